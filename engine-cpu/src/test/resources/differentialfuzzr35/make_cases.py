# Differential fuzz round 35 for DifferentialFuzzR35Test.java: seeded single calls whose subject is ZERO-SIZE (EMPTY)
# TENSORS, run in PyTorch with every result recorded; FuzzR35Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr35 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; seed 35, every draw seeded, so a second run writes the same bytes)
#   the fixes' cases (FuzzRound35FixesTest): FUZZ_FIXES=1 /usr/bin/python3 make_cases.py > fixes.txt
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz35.file=/tmp/hunt.txt (inside -Dember.test.argLine); FUZZ_N scales the number of cases per family
#
# No earlier round made tensors with a zero-size dim its subject: there kernels divide by zero (mean, var, pools),
# index past an empty array (argmax, median, kthvalue), return uninitialized memory, or refuse where PyTorch answers.
# Every case takes at least one tensor with one or more zero-size dims ([0], [0, 3], [3, 0], [2, 0, 4], [0, 0],
# [1, 0], [0, 1], [2, 3, 0], [0, 2, 3]), with 0-dim and non-empty tensors next to them, through one call of a family:
#   unary elementwise (float64 / float32 / int64 inputs); binary elementwise with broadcasting ([0] against [1], [],
#   [3, 1], [2]: PyTorch's size refusal); reductions (sum / prod / mean / nansum / nanmean / amax / amin / max / min /
#   argmax / argmin with and without dim, keepdim, std / var with correction 0 / 1, logsumexp, norm p 1 / 2 / inf,
#   all / any, count_nonzero, median, mode, quantile); scans (cumsum, cumprod, cummax, logcumsumexp); sort / argsort /
#   topk (k 0 and 1) / kthvalue; mm / bmm / matmul / addmm (beta, alpha) / einsum with a zero inner or outer dim;
#   cat / stack / split / chunk / unbind / narrow / flatten / reshape / view; index_select / gather / scatter /
#   x[mask] / index_put / nonzero / masked_fill; softmax / log_softmax; conv1d / conv2d / max_pool2d / avg_pool2d /
#   adaptive_avg_pool2d with batch 0 (and zero channels / spatial sizes: PyTorch's refusals); linear (batch 0, and
#   in_features 0: the bias); layer_norm / group_norm / batch_norm; mse / l1 / smooth_l1 / cross_entropy / nll /
#   binary_cross_entropy with reduction none / mean / sum (mean of nothing is nan); embedding of empty indices; unique;
#   bincount / histc; where / clamp.
# Recorded: the result's dtype, shape and values (tuples: values and indices; lists: each piece), its grad_fn name,
# the float64 gradient of sum(out * g) for every float64 input (g a seeded k/8 tensor of the output's shape; lists:
# the pieces flattened and concatenated), or PyTorch's exception first message line (the inputs must be unchanged).
#
# 1.13 and 2.x (Ember follows 2.x; the generator writes 2.x's answer where they differ):
# - grad_fn names 2.x renamed: 1.13's SqueezeBackward3 (squeeze_(dim), in matmul of a 1-D operand and in quantile)
#   is 2.x's SqueezeBackward4 (after 2.x's squeeze.dims overloads); 1.13's ReshapeAliasBackward0 (reshape / flatten
#   of a viewable input) is 2.x's ViewBackward0 (2.x's reshape calls view; _reshape_alias left autograd): NODES_2X.
# - linear of an input that is not 2-D, with a 1-D bias: 2.x's at::linear sends a contiguous input to
#   _flatten_nd_linear (addmm of the input reshaped to 2-D, then view: ViewBackward0); 1.13 matmul + add
#   (AddBackward0) for a 1-D input. Same values; the generator writes ViewBackward0.
# - narrow with start outside [-size, size]: 2.x's narrow_symint checks it first ("start out of range (expected to
#   be in range of [-0, 0]..." printed as [0, 0] for an empty dim); 1.13 wraps start as a dimension index over a size
#   0 dim ("Dimension out of range (expected to be in range of [-1, 0], but got 1)"): the generator writes 2.x's.
# - var / std over every element (dim None, or a 0-dim input) with n <= correction (an empty input always): 2.x's
#   var_backward (FunctionsManual.cpp) gives grad * where(self == self.mean(), NaN, inf) (std_backward first
#   grad / (2 std), 0 where std is 0): an empty input's gradient is empty of its shape, a 0-dim input's NaN; 1.13
#   returns a 0-dim gradient for an empty input (refused: "Function VarBackward0 returned an invalid gradient at index
#   0 - got [] but expected shape compatible with [0]") and 0 for a 0-dim one. The generator runs 2.x's (Var2x).
# - adaptive_avg_pool2d to size 2 of a batch-0, channel-0 input: the forward checks only the spatial sizes and the
#   backward refuses every empty non-batch dim ("adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero
#   size ..."), in 1.13 and 2.x alike (AdaptiveAveragePooling.cpp): written as 1.13 gives it (line "gerr").
# - tril of a 1-D (empty) input: 2.x's meta function refuses it ("tril: input tensor must have at least 2 dimensions"),
#   1.13 returns the empty input: tril_2x.
# - diag: 2.x composes it (TensorShape.cpp: diag_embed of a 1-D input, DiagEmbedBackward0; diagonal_copy of a 2-D one,
#   DiagonalBackward0_copy); 1.13's own kernel (DiagBackward0) also refuses a [3, 0] input with k 1 ("numel: integer
#   multiplication overflow": a negative diagonal length): diag_2x writes 2.x's.
# - dist: 2.x's at::norm(self - other, p) runs linalg_vector_norm over every dim, which refuses an inf norm of an
#   empty tensor ("linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation does not
#   have an identity"); 1.13's norm kernel gave 0: dist_2x.
# - pixel_shuffle's gradient of an empty input: PyTorch's pixel_unshuffle (the backward) returns an empty input
#   unchanged ("if (self.numel() == 0) return self.clone()", in 1.13 and 2.x), so the autograd engine refuses the
#   gradient's shape ("Function PixelShuffleBackward0 returned an invalid gradient ..."); Ember returns an empty
#   gradient of the input's shape: a PyTorch bug, its cases listed as expected failures in DifferentialFuzzR35Test.
# - F.pad with mode reflect / replicate / circular (family pad_modes, drawn AFTER every other family so that the cases
#   before it are byte-identical to the first version's): 1.13's Python F.pad asserts and words differ from 2.x's,
#   so the generator calls at::pad (torch._C._nn.pad, which is what 2.x's F.pad calls) with 2.x's differences in
#   front (pad_mode_2x): 2.x's reflection_padNd run padding::check_valid_input (only a batch dim may be empty, "Expected
#   2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions ..."), 1.13's reflection
#   kernels let an unbatched input's empty channel dim through ([0, 3] -> [0, 5]) and word the refusal "2D or 3D
#   (batch mode) tensor expected for input, but got: [ torch.DoubleTensor{...} ]"; 2.x's _pad_circular_symint takes
#   an unbatched input (1.13: "Invalid padding size, expected 0 but got 2"), run as the batch-1 input's (CopySlices).
# - F.pad constant mode (family extra): there 2.x's constant_pad_nd narrows each negatively padded dim first, and 2.x's narrow checks the length before the
#   start ("narrow(): length must be non-negative." for a pad of -1 on an empty dim; 1.13: "Dimension out of range
#   ..."): pad_2x.
# - Not drawn: pdist's gradient (1.13's backward crashes the process on empty inputs or outputs; values only).
#
# Format: "=== r35_<k> <op> <first input's dtype>", then lines by first word:
#   a <name> <tensor>   a tensor argument (r17's tensor lines "dtype [shape] : values")
#   rg <names>          the float64 arguments that require grad
#   s <op> [k=v ...]    the call's other arguments (N None, True / False, numbers, lists "a,b")
#   err <message>       PyTorch refuses with this (first line); the arguments must be unchanged
#   o <tensor>          the result (a tuple's values)
#   oi <tensor>         a tuple's indices
#   ol <tensor>         one piece of a list result, in order ("ol" absent and "n 0": an empty list)
#   n <count>           the number of pieces of a list result
#   fn <name>           the result's grad_fn name (absent: none)
#   g <tensor>          the upstream gradient
#   gerr <message>      PyTorch's backward refuses with this (first line)
#   gx <name> <tensor>  the gradient of the argument <name> ("gx <name> none": none reached it)
#
# Comparison: FuzzR31Interpreter.compare's (values within tol * max(1, max |expected|), tol 1e-12 float64, 1e-5
# float32; integers and bools exactly; NaN where NaN, infinities in place).
import math
import os
import random
import warnings

import torch
import torch.nn.functional as F

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "35"))
SCALE_N = float(os.environ.get("FUZZ_N", "1"))
R = random.Random(SEED)
torch.manual_seed(SEED)
torch.set_num_threads(1)

F64, F32, I64, BOOL = torch.float64, torch.float32, torch.int64, torch.bool
NAN = float("nan")
INF = float("inf")
OUT = []
COUNT = [0]

EMPTY = [[0], [0, 3], [3, 0], [2, 0, 4], [0, 0], [1, 0], [0, 1], [2, 3, 0], [0, 2, 3]]


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
    elif t.dtype == BOOL:
        body = " ".join("True" if v else "False" for v in t.reshape(-1).tolist())
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
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v) if v else "E"
    return str(v)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def ft(shape, dtype=F64, lo=-3.0, hi=3.0):
    v = [round(R.uniform(lo, hi) * 8) / 8 if R.random() < 0.5 else R.uniform(lo, hi) for _ in range(numel(shape))]
    if dtype in (I64, BOOL):
        v = [float(R.randint(0, 4) if dtype == I64 else R.randint(0, 1)) for _ in range(numel(shape))]
    return torch.tensor(v, dtype=F64).reshape(shape).to(dtype)


def it(shape, lo, hi):
    return torch.tensor([R.randint(lo, hi) for _ in range(numel(shape))], dtype=I64).reshape(shape)


def empty_shape():
    return list(R.choice(EMPTY))


def fdt():
    return F64 if R.random() < 0.7 else F32


def gtensor(t):
    return torch.tensor([R.randint(-8, 8) / 8 for _ in range(t.numel())], dtype=F64).reshape(t.shape).to(t.dtype)


NODES_2X = {"SqueezeBackward3": "SqueezeBackward4", "ReshapeAliasBackward0": "ViewBackward0"}


class Var2x(torch.autograd.Function):
    """var / std over every element where n <= correction, with 2.x's var_backward / std_backward gradient."""

    @staticmethod
    def forward(ctx, v, op, correction):
        r = getattr(torch, op)(v, dim=None, correction=correction)
        ctx.op = op
        ctx.save_for_backward(v, r)
        return r

    @staticmethod
    def backward(ctx, g):
        v, r = ctx.saved_tensors
        if ctx.op == "std":
            g = (g / (r * 2)).masked_fill(r == 0, 0)
        nan = torch.tensor(NAN, dtype=v.dtype)
        inf = torch.tensor(INF, dtype=v.dtype)
        return g * torch.where(v == v.mean(), nan, inf), None, None


def record(op, a, s, call, rg=None, node=None, cid=None):
    """Runs call(a) and writes the case."""
    a = dict(a)
    names = list(a.keys())
    if rg is None:
        rg = [n for n in names if a[n].dtype == F64]
    leaves = {}
    for n in names:
        t = a[n].clone()
        if n in rg:
            t.requires_grad_(True)
        leaves[n] = t
    first = a[names[0]]
    lines = ["=== %s %s %s" % (cid if cid else "r35_%d" % COUNT[0], op, dname(first))]
    for n in names:
        lines.append("a %s %s" % (n, tline(a[n])))
    if rg:
        lines.append("rg " + " ".join(rg))
    lines.append("s " + s)
    try:
        res = call(leaves)
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        msg = str(e).split("\n")[0]
        lines.append("err " + msg)
        OUT.append("\n".join(lines))
        COUNT[0] += 1
        return
    named = type(res).__module__ == "torch.return_types"
    if isinstance(res, (list, tuple)) and not named:
        lines.append("n %d" % len(res))
        for p in res:
            lines.append("ol " + tline(p))
        out = torch.cat([p.reshape(-1) for p in res]) if len(res) > 0 else None
        fn_t = res[0] if len(res) > 0 else None
    elif named:
        lines.append("o " + tline(res[0]))
        lines.append("oi " + tline(res[1]))
        out = res[0]
        fn_t = res[0]
    else:
        lines.append("o " + tline(res))
        out = res
        fn_t = res
    if fn_t is not None and fn_t.grad_fn is not None:
        name = node if node is not None else type(fn_t.grad_fn).__name__
        lines.append("fn " + NODES_2X.get(name, name))
    if out is not None and out.requires_grad and out.dtype == F64:
        g = gtensor(out)
        lines.append("g " + tline(g))
        try:
            (out * g).sum().backward()
        except RuntimeError as e:
            lines.append("gerr " + str(e).split("\n")[0])
            OUT.append("\n".join(lines))
            COUNT[0] += 1
            return
        for n in rg:
            gr = leaves[n].grad
            lines.append("gx %s %s" % (n, "none" if gr is None else tline(gr)))
    OUT.append("\n".join(lines))
    COUNT[0] += 1


def times(n):
    return max(1, int(round(n * SCALE_N)))


# ------------------------------------------------------------------------------------------------------ families
UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor", "sign", "reciprocal",
         "square", "erf", "expm1", "log1p", "rsqrt", "atan", "trunc"]


def unary():
    op = R.choice(UNARY)
    dt = R.choice([F64, F64, F32, I64])
    x = ft(empty_shape(), dt)
    record(op, {"x": x}, op, lambda a: getattr(torch, op)(a["x"]))


BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "atan2", "eq", "lt", "fmod", "hypot"]
PAIRS = [([0], [1]), ([0], []), ([3, 0], [3, 1]), ([0], [3, 1]), ([0, 3], [3]), ([2, 0, 4], [0, 1]), ([0], [2]),
         ([0], [0]), ([2, 0], [1, 0]), ([0, 3], [0, 1]), ([3, 0], [3]), ([1, 0], [2, 1]), ([2, 0, 4], [2, 1, 4])]


def binary():
    op = R.choice(BINARY)
    sx, sy = R.choice(PAIRS)
    if R.random() < 0.5:
        sx, sy = sy, sx
    dt = R.choice([F64, F64, F32])
    x = ft(sx, dt)
    y = ft(sy, R.choice([dt, dt, I64]))
    record(op, {"x": x, "y": y}, op, lambda a: getattr(torch, op)(a["x"], a["y"]))


def rdim(shape):
    return R.randrange(-len(shape), len(shape)) if shape else R.choice([0, -1])


RED = ["sum", "prod", "mean", "nansum", "nanmean", "amax", "amin", "max", "min", "argmax", "argmin", "std", "var",
       "logsumexp", "norm", "all", "any", "count_nonzero", "median", "mode", "quantile", "nanmedian"]


def reduction():
    op = R.choice(RED)
    shape = empty_shape() if R.random() < 0.9 else []
    dt = fdt()
    if op in ("all", "any", "count_nonzero") and R.random() < 0.4:
        dt = R.choice([BOOL, I64])
    if op in ("sum", "prod", "amax", "amin", "max", "min", "argmax", "argmin") and R.random() < 0.2:
        dt = I64
    x = ft(shape, dt)
    withdim = R.random() < 0.65 or op in ("logsumexp", "mode")
    d = rdim(shape) if withdim else None
    k = R.random() < 0.4
    s = "%s dim=%s keepdim=%s" % (op, pv(d), pv(k))
    if op in ("std", "var"):
        c = R.choice([0, 1, 2])
        s += " correction=%d" % c
        if (d is None or x.dim() == 0) and x.numel() <= c:
            node = "StdBackward0" if op == "std" else "VarBackward0"
            record(op, {"x": x}, s, lambda a: Var2x.apply(a["x"], op, c), node=node)
        elif d is None:
            record(op, {"x": x}, s, lambda a: getattr(torch, op)(a["x"], dim=None, correction=c))
        else:
            record(op, {"x": x}, s, lambda a: getattr(torch, op)(a["x"], dim=d, correction=c, keepdim=k))
        return
    if op == "norm":
        p = R.choice([1.0, 2.0, INF])
        s += " p=%s" % num(p)
        if d is None:
            record(op, {"x": x}, s, lambda a: torch.linalg.vector_norm(a["x"], p))
        else:
            record(op, {"x": x}, s, lambda a: torch.linalg.vector_norm(a["x"], p, dim=d, keepdim=k))
        return
    if op == "quantile":
        q = R.choice([0.0, 0.5, 1.0])
        s += " q=%s" % num(q)
        if d is None:
            record(op, {"x": x}, s, lambda a: torch.quantile(a["x"], q))
        else:
            record(op, {"x": x}, s, lambda a: torch.quantile(a["x"], q, dim=d, keepdim=k))
        return
    fn = getattr(torch, op)
    if d is None:
        record(op, {"x": x}, s, lambda a: fn(a["x"]))
    elif op == "count_nonzero":
        record(op, {"x": x}, s, lambda a: fn(a["x"], dim=d))
    else:
        record(op, {"x": x}, s, lambda a: fn(a["x"], d, keepdim=k))


def scan():
    op = R.choice(["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
    shape = empty_shape()
    dt = fdt() if op == "logcumsumexp" or R.random() < 0.8 else I64
    x = ft(shape, dt)
    d = rdim(shape)
    record(op, {"x": x}, "%s dim=%d" % (op, d), lambda a: getattr(torch, op)(a["x"], d))


def sorting():
    op = R.choice(["sort", "argsort", "topk", "kthvalue", "msort"])
    shape = empty_shape()
    x = ft(shape, fdt())
    d = rdim(shape)
    if op == "sort":
        desc = R.random() < 0.5
        record(op, {"x": x}, "sort dim=%d descending=%s" % (d, pv(desc)), lambda a: torch.sort(a["x"], d, desc))
    elif op == "argsort":
        desc = R.random() < 0.5
        record(op, {"x": x}, "argsort dim=%d descending=%s" % (d, pv(desc)),
               lambda a: torch.argsort(a["x"], d, desc))
    elif op == "msort":
        record(op, {"x": x}, "msort", lambda a: torch.msort(a["x"]))
    elif op == "topk":
        k = R.choice([0, 0, 1, 2])
        lg = R.random() < 0.7
        record(op, {"x": x}, "topk k=%d dim=%d largest=%s" % (k, d, pv(lg)),
               lambda a: torch.topk(a["x"], k, d, lg))
    else:
        k = R.choice([0, 1, 2])
        kd = R.random() < 0.5
        record(op, {"x": x}, "kthvalue k=%d dim=%d keepdim=%s" % (k, d, pv(kd)),
               lambda a: torch.kthvalue(a["x"], k, d, kd))


def matmuls():
    op = R.choice(["mm", "matmul", "bmm", "addmm", "einsum", "mv", "dot", "outer"])
    dt = fdt()
    n, k, m = R.choice([(0, 3, 2), (2, 0, 3), (2, 3, 0), (0, 0, 0), (0, 0, 2), (1, 0, 1), (3, 0, 0)])
    if op in ("mm", "einsum"):
        x, y = ft([n, k], dt), ft([m if R.random() < 0.1 else k, m], dt)
        if op == "mm":
            record(op, {"x": x, "y": y}, "mm", lambda a: torch.mm(a["x"], a["y"]))
        else:
            record(op, {"x": x, "y": y}, "einsum eq=ij,jk->ik", lambda a: torch.einsum("ij,jk->ik", a["x"], a["y"]))
    elif op == "matmul":
        sx, sy = R.choice([([k], [k]), ([n, k], [k]), ([k], [k, m]), ([2, n, k], [k, m]), ([n, k], [0, k, m]),
                           ([0, n, k], [1, k, m])])
        record(op, {"x": ft(sx, dt), "y": ft(sy, dt)}, "matmul", lambda a: torch.matmul(a["x"], a["y"]))
    elif op == "bmm":
        b = R.choice([0, 2])
        record(op, {"x": ft([b, n, k], dt), "y": ft([b, k, m], dt)}, "bmm", lambda a: torch.bmm(a["x"], a["y"]))
    elif op == "addmm":
        beta = R.choice([0.0, 1.0, 0.5, 2.0])
        alpha = R.choice([1.0, 0.5])
        ish = R.choice([[n, m], [m], [1, m], [n, 1], []])
        inp = ft(ish, dt)
        if beta == 0.0 and ish and numel(ish) > 0 and R.random() < 0.5:
            inp = inp.clone()
            inp.view(-1)[0] = NAN
        record(op, {"z": inp, "x": ft([n, k], dt), "y": ft([k, m], dt)},
               "addmm beta=%s alpha=%s" % (num(beta), num(alpha)),
               lambda a: torch.addmm(a["z"], a["x"], a["y"], beta=beta, alpha=alpha))
    elif op == "mv":
        record(op, {"x": ft([n, k], dt), "y": ft([k], dt)}, "mv", lambda a: torch.mv(a["x"], a["y"]))
    elif op == "dot":
        record(op, {"x": ft([0], dt), "y": ft([0], dt)}, "dot", lambda a: torch.dot(a["x"], a["y"]))
    else:
        record(op, {"x": ft([n], dt), "y": ft([m], dt)}, "outer", lambda a: torch.outer(a["x"], a["y"]))


def narrow_2x(v, d, st, ln):
    """narrow with 2.x's check of start against [-size, size] first."""
    size = v.shape[d]
    if not -size <= st <= size:
        raise IndexError("start out of range (expected to be in range of [%d, %d], but got %d)" % (-size, size, st))
    return v.narrow(d, st, ln)


def shapes():
    op = R.choice(["cat", "stack", "split", "chunk", "unbind", "narrow", "flatten", "reshape", "view", "transpose",
                   "squeeze", "unsqueeze", "expand", "repeat", "flip", "roll", "tile"])
    shape = empty_shape()
    dt = fdt()
    x = ft(shape, dt)
    d = rdim(shape)
    if op == "cat":
        other = list(shape)
        r = R.random()
        if r < 0.3:
            other[d] = R.randint(0, 3)
        elif r < 0.5:
            other = [0]
        elif r < 0.6:
            other = [R.randint(1, 3)] + other[1:] if other else [2]
            other = other[:-1] + [R.randint(1, 3)] if len(other) > 1 else other
        y = ft(other, dt)
        record(op, {"x": x, "y": y}, "cat dim=%d" % d, lambda a: torch.cat([a["x"], a["y"]], d))
    elif op == "stack":
        y = ft(shape if R.random() < 0.8 else [0] * len(shape) + [0], dt)
        d2 = R.randrange(-len(shape) - 1, len(shape) + 1)
        record(op, {"x": x, "y": y}, "stack dim=%d" % d2, lambda a: torch.stack([a["x"], a["y"]], d2))
    elif op == "split":
        sz = R.choice([0, 1, 2])
        record(op, {"x": x}, "split size=%d dim=%d" % (sz, d), lambda a: list(torch.split(a["x"], sz, d)))
    elif op == "chunk":
        c = R.choice([1, 2, 3])
        record(op, {"x": x}, "chunk chunks=%d dim=%d" % (c, d), lambda a: list(torch.chunk(a["x"], c, d)))
    elif op == "unbind":
        record(op, {"x": x}, "unbind dim=%d" % d, lambda a: list(torch.unbind(a["x"], d)))
    elif op == "narrow":
        st = R.choice([0, 0, 1])
        ln = R.choice([0, 0, 1])
        record(op, {"x": x}, "narrow dim=%d start=%d length=%d" % (d, st, ln), lambda a: narrow_2x(a["x"], d, st, ln))
    elif op == "flatten":
        record(op, {"x": x}, "flatten", lambda a: a["x"].flatten())
    elif op in ("reshape", "view"):
        tgt = R.choice([[-1], [0, -1], [-1, 0], [0], [3, -1], [0, 5], [2, 0, -1], [numel(shape), 0]])
        record(op, {"x": x}, "%s shape=%s" % (op, pv(tgt)), lambda a: getattr(a["x"], op)(tgt))
    elif op == "transpose":
        d2 = rdim(shape)
        record(op, {"x": x}, "transpose d0=%d d1=%d" % (d, d2), lambda a: a["x"].transpose(d, d2))
    elif op == "squeeze":
        record(op, {"x": x}, "squeeze dim=%d" % d, lambda a: a["x"].squeeze(d))
    elif op == "unsqueeze":
        d2 = R.randrange(-len(shape) - 1, len(shape) + 1)
        record(op, {"x": x}, "unsqueeze dim=%d" % d2, lambda a: a["x"].unsqueeze(d2))
    elif op == "expand":
        tgt = [R.choice([s, 0, 2]) if s == 1 else s for s in shape]
        if R.random() < 0.3:
            tgt = [2] + tgt
        if R.random() < 0.1:
            tgt = [3 if s == 0 else s for s in tgt]
        record(op, {"x": x}, "expand shape=%s" % pv(tgt), lambda a: a["x"].expand(tgt))
    elif op in ("repeat", "tile"):
        reps = [R.choice([0, 1, 2]) for _ in range(len(shape) + R.choice([0, 0, 1]))]
        record(op, {"x": x}, "%s reps=%s" % (op, pv(reps)), lambda a: getattr(a["x"], op)(reps))
    elif op == "flip":
        record(op, {"x": x}, "flip dims=%d" % d, lambda a: torch.flip(a["x"], [d]))
    else:
        sh = R.choice([1, -2, 0])
        record(op, {"x": x}, "roll shift=%d dim=%d" % (sh, d), lambda a: torch.roll(a["x"], sh, d))


def indexing():
    op = R.choice(["index_select", "gather", "scatter", "scatter_add", "masked_select", "mask_index", "index_put",
                   "nonzero", "masked_fill", "take", "index_add"])
    dt = fdt()
    if op == "index_select":
        shape = R.choice([[0, 3], [3, 0], [2, 3], [0], [2, 0, 4]])
        d = rdim(shape)
        n = R.choice([0, 0, 2]) if shape[d] > 0 else R.choice([0, 0, 1])
        idx = it([n], 0, max(shape[d] - 1, 0))
        record(op, {"x": ft(shape, dt), "i": idx}, "index_select dim=%d" % d,
               lambda a: torch.index_select(a["x"], d, a["i"]))
    elif op == "gather":
        shape = R.choice([[0, 3], [3, 0], [2, 3], [0]])
        d = rdim(shape)
        ish = [0 if j == (d % len(shape)) else min(s, 2) for j, s in enumerate(shape)]
        if R.random() < 0.5:
            ish = [0] + ish[1:]
        idx = it(ish, 0, max(shape[d] - 1, 0))
        record(op, {"x": ft(shape, dt), "i": idx}, "gather dim=%d" % d, lambda a: torch.gather(a["x"], d, a["i"]))
    elif op in ("scatter", "scatter_add"):
        shape = R.choice([[0, 3], [3, 0], [2, 3], [0]])
        d = rdim(shape)
        ish = [0 for _ in shape]
        idx = it(ish, 0, 0)
        src = ft(ish, dt)
        record(op, {"x": ft(shape, dt), "i": idx, "y": src}, "%s dim=%d" % (op, d),
               lambda a: getattr(torch, op)(a["x"], d, a["i"], a["y"]))
    elif op in ("masked_select", "mask_index"):
        shape = empty_shape() if R.random() < 0.6 else R.choice([[2, 3], [3]])
        x = ft(shape, dt)
        if numel(shape) > 0:
            m = torch.zeros(shape, dtype=BOOL)
        else:
            m = torch.zeros(shape if R.random() < 0.8 else [0], dtype=BOOL)
        if op == "masked_select":
            record(op, {"x": x, "m": m}, "masked_select", lambda a: torch.masked_select(a["x"], a["m"]))
        else:
            record(op, {"x": x, "m": m}, "mask_index", lambda a: a["x"][a["m"]])
    elif op == "index_put":
        shape = R.choice([[0, 3], [3, 0], [2, 3], [0], [3]])
        x = ft(shape, dt)
        idx = it([0], 0, 0)
        v = ft(R.choice([[0], [], [1]]) if len(shape) == 1 else R.choice([[0, shape[1]], [shape[1]], []]), dt)
        acc = R.random() < 0.5
        record(op, {"x": x, "i": idx, "y": v}, "index_put accumulate=%s" % pv(acc),
               lambda a: a["x"].index_put((a["i"],), a["y"], acc))
    elif op == "nonzero":
        x = ft(empty_shape(), R.choice([dt, I64, BOOL]))
        record(op, {"x": x}, "nonzero", lambda a: torch.nonzero(a["x"]))
    elif op == "masked_fill":
        shape = empty_shape()
        ms = R.choice([shape, shape[-1:], [1] * len(shape)]) if R.random() < 0.9 else [2]
        m = torch.zeros(ms, dtype=BOOL)
        val = R.choice([0.5, NAN, -2.0])
        record(op, {"x": ft(shape, dt), "m": m}, "masked_fill value=%s" % num(val),
               lambda a: a["x"].masked_fill(a["m"], val))
    elif op == "take":
        shape = R.choice([[0, 3], [2, 3], [0]])
        idx = it(R.choice([[0], [0, 2]]), 0, 0)
        record(op, {"x": ft(shape, dt), "i": idx}, "take", lambda a: torch.take(a["x"], a["i"]))
    else:
        shape = R.choice([[0, 3], [3, 0], [2, 3], [0], [3]])
        d = rdim(shape)
        src_shape = list(shape)
        src_shape[d] = 0
        idx = it([0], 0, 0)
        record(op, {"x": ft(shape, dt), "i": idx, "y": ft(src_shape, dt)}, "index_add dim=%d" % d,
               lambda a: torch.index_add(a["x"], d, a["i"], a["y"]))


def softmaxes():
    op = R.choice(["softmax", "log_softmax"])
    shape = empty_shape()
    d = rdim(shape)
    record(op, {"x": ft(shape, fdt())}, "%s dim=%d" % (op, d), lambda a: getattr(F, op)(a["x"], d))


def convs():
    op = R.choice(["conv1d", "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_pool1d",
                   "avg_pool1d"])
    dt = fdt()
    n = R.choice([0, 0, 0, 1])
    c = R.choice([2, 2, 0]) if n == 0 else R.choice([0, 2])
    sp = R.choice([4, 4, 0])
    if op == "conv1d":
        x = ft([n, c, sp], dt)
        w = ft([3, max(c, R.choice([0, 2])) if R.random() < 0.8 else c, 2], dt)
        b = ft([3], dt)
        record(op, {"x": x, "w": w, "b": b}, "conv1d", lambda a: F.conv1d(a["x"], a["w"], a["b"]))
    elif op == "conv2d":
        x = ft([n, c, sp, 3], dt)
        w = ft([3, c, 2, 2], dt)
        pad = R.choice([0, 1])
        record(op, {"x": x, "w": w}, "conv2d padding=%d" % pad, lambda a: F.conv2d(a["x"], a["w"], None, 1, pad))
    elif op in ("max_pool2d", "avg_pool2d"):
        x = ft([n, c, sp, 4], dt)
        record(op, {"x": x}, "%s kernel=2" % op, lambda a: getattr(F, op)(a["x"], 2))
    elif op in ("max_pool1d", "avg_pool1d"):
        x = ft([n, c, sp], dt)
        record(op, {"x": x}, "%s kernel=2" % op, lambda a: getattr(F, op)(a["x"], 2))
    else:
        x = ft([n, c, sp, 4], dt)
        o = R.choice([1, 2])
        record(op, {"x": x}, "adaptive_avg_pool2d size=%d" % o, lambda a: F.adaptive_avg_pool2d(a["x"], o))


def norms():
    op = R.choice(["linear", "linear0", "layer_norm", "group_norm", "batch_norm", "batch_norm_eval"])
    dt = fdt()
    if op == "linear":
        x = ft(R.choice([[0, 3], [2, 0, 3], [0]]) if R.random() < 0.9 else [0, 3], dt)
        w = ft([2, x.shape[-1]], dt)
        b = ft([2], dt)
        record(op, {"x": x, "w": w, "b": b}, "linear", lambda a: F.linear(a["x"], a["w"], a["b"]),
               node="ViewBackward0" if x.dim() != 2 else None)
    elif op == "linear0":
        x = ft(R.choice([[2, 0], [0, 0], [0]]), dt)
        w = ft([3, 0], dt)
        b = ft([3], dt)
        record("linear", {"x": x, "w": w, "b": b}, "linear", lambda a: F.linear(a["x"], a["w"], a["b"]),
               node="ViewBackward0" if x.dim() != 2 else None)
    elif op == "layer_norm":
        shape = R.choice([[0, 4], [2, 0, 4], [3, 0], [0]])
        ns = shape[-1:]
        w = ft(ns, dt)
        b = ft(ns, dt)
        record(op, {"x": ft(shape, dt), "w": w, "b": b}, "layer_norm shape=%s" % pv(ns),
               lambda a: F.layer_norm(a["x"], ns, a["w"], a["b"]))
    elif op == "group_norm":
        shape = R.choice([[0, 4], [0, 4, 3], [2, 4, 0], [0, 0]])
        g = R.choice([1, 2])
        record(op, {"x": ft(shape, dt)}, "group_norm groups=%d" % g, lambda a: F.group_norm(a["x"], g))
    else:
        shape = R.choice([[0, 3], [0, 3, 4], [2, 3, 0], [1, 3]])
        rm = torch.zeros([3], dtype=dt)
        rv = torch.ones([3], dtype=dt)
        w = ft([3], dt)
        train = op == "batch_norm"
        record("batch_norm", {"x": ft(shape, dt), "w": w, "rm": rm, "rv": rv}, "batch_norm training=%s" % pv(train),
               lambda a: F.batch_norm(a["x"], a["rm"], a["rv"], a["w"], None, train), rg=["x", "w"] if dt == F64
               else [])


def losses():
    op = R.choice(["mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
                   "huber_loss", "kl_div"])
    dt = fdt()
    red = R.choice(["none", "mean", "sum"])
    if op in ("cross_entropy", "nll_loss"):
        shape = R.choice([[0, 3], [0, 3, 2], [0, 0]])
        t = it([0] + shape[2:], 0, 0)
        record(op, {"x": ft(shape, dt), "t": t}, "%s reduction=%s" % (op, red),
               lambda a: getattr(F, op)(a["x"], a["t"], reduction=red))
    else:
        shape = empty_shape()
        x = ft(shape, dt, 0.0, 1.0) if op == "binary_cross_entropy" else ft(shape, dt)
        tsh = shape if R.random() < 0.85 else R.choice([[1], [0]])
        t = ft(tsh, dt, 0.0, 1.0)
        record(op, {"x": x, "t": t}, "%s reduction=%s" % (op, red),
               lambda a: getattr(F, op)(a["x"], a["t"], reduction=red))


def misc():
    op = R.choice(["embedding", "unique", "bincount", "histc", "where", "clamp", "clamp_t"])
    dt = fdt()
    if op == "embedding":
        idx = it(R.choice([[0], [2, 0], [0, 3]]), 0, 0)
        w = ft(R.choice([[4, 3], [4, 0], [0, 3]]), dt)
        record(op, {"w": w, "i": idx}, "embedding", lambda a: F.embedding(a["i"], a["w"]))
    elif op == "unique":
        record(op, {"x": ft(empty_shape(), R.choice([dt, I64]))}, "unique", lambda a: torch.unique(a["x"]))
    elif op == "bincount":
        ml = R.choice([0, 3])
        if R.random() < 0.5:
            record(op, {"i": it([0], 0, 0)}, "bincount minlength=%d" % ml,
                   lambda a: torch.bincount(a["i"], minlength=ml))
        else:
            record(op, {"i": it([0], 0, 0), "w": ft([0], dt)}, "bincount minlength=%d" % ml,
                   lambda a: torch.bincount(a["i"], a["w"], minlength=ml), rg=[])
    elif op == "histc":
        lo, hi = R.choice([(0.0, 0.0), (0.0, 1.0), (-1.0, 3.0)])
        record(op, {"x": ft(empty_shape(), dt)}, "histc bins=4 min=%s max=%s" % (num(lo), num(hi)),
               lambda a: torch.histc(a["x"], 4, lo, hi))
    elif op == "where":
        shape = empty_shape()
        c = torch.zeros(R.choice([shape, [1], []]), dtype=BOOL)
        y = ft(R.choice([shape, [1], []]), dt)
        record(op, {"x": ft(shape, dt), "c": c, "y": y}, "where", lambda a: torch.where(a["c"], a["x"], a["y"]))
    elif op == "clamp":
        lo, hi = R.choice([(0.0, 1.0), (None, 0.5), (-1.0, None), (2.0, 1.0)])
        record(op, {"x": ft(empty_shape(), dt)}, "clamp min=%s max=%s" % (pv(lo), pv(hi)),
               lambda a: torch.clamp(a["x"], lo, hi))
    else:
        shape = empty_shape()
        record("clamp", {"x": ft(shape, dt), "y": ft(R.choice([shape, [1], []]), dt),
                         "z": ft(R.choice([shape, [1], []]), dt)}, "clamp_t",
               lambda a: torch.clamp(a["x"], a["y"], a["z"]))


def tril_2x(v, k):
    """2.x's tril meta function refuses fewer than 2 dims before anything (1.13 returns an empty 1-D input)."""
    if v.dim() < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return torch.tril(v, k)


def diag_2x(v, k):
    """2.x's composite diag: diag_embed of a 1-D input, diagonal_copy of a 2-D one."""
    return torch.diag_embed(v, k) if v.dim() == 1 else torch.diagonal(v, k).clone()


def dist_2x(v, w, p):
    """2.x's dist is at::norm(self - other, p), whose impl is linalg_vector_norm over every dim: an inf (or negative)
    norm of an empty difference is refused (1.13's norm kernel returned 0)."""
    diff = v - w
    if diff.numel() == 0 and (p < 0 or p == INF):
        raise RuntimeError("linalg.vector_norm cannot compute the %s norm on an empty tensor because the operation does "
                           "not have an identity" % ("inf" if p == INF else num(p)))
    return torch.dist(v, w, p)


def pad_2x(v, pd):
    """F.pad, constant mode, with 2.x's constant_pad_nd first narrowing each negatively padded dim, where narrow checks
    the length before the start (1.13's narrow wrapped the start as a dim index over an empty dim first)."""
    sizes = list(v.shape)
    l_inp = len(sizes)
    for i in range(l_inp - len(pd) // 2, l_inp):
        idx = 2 * (l_inp - i - 1)
        for start_side, p in ((True, pd[idx]), (False, pd[idx + 1])):
            if p < 0:
                start, length = (-p if start_side else 0), sizes[i] + p
                if length < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
                if not -sizes[i] <= start <= sizes[i]:
                    raise IndexError("start out of range (expected to be in range of [%d, %d], but got %d)"
                                     % (-sizes[i], sizes[i], start))
                sizes[i] = length
    return F.pad(v, pd)


def extra():
    """linalg of [0, 0] and [2, 0, 0] matrices, activations, and ops with a second empty operand."""
    op = R.choice(["det", "logdet", "inv", "cholesky", "solve", "trace", "tril", "diag", "diagonal", "diff", "kron",
                   "cdist", "searchsorted", "repeat_interleave", "index_fill", "aminmax", "var_mean", "std_mean",
                   "nanquantile", "renorm", "tensordot", "dist", "matrix_power", "inner", "logaddexp", "xlogy",
                   "lerp", "addcmul", "nan_to_num", "logit", "pad", "normalize", "glu", "gelu", "silu", "softplus",
                   "elu", "leaky_relu", "hardtanh", "cosine_similarity", "pdist", "pixel_shuffle", "max_pool2d_idx",
                   "trapezoid", "cross"])
    dt = fdt()
    if op in ("det", "logdet", "inv", "cholesky", "matrix_power"):
        x = ft(R.choice([[0, 0], [2, 0, 0], [0, 3, 3], [0, 2, 3]]), dt)
        if op == "matrix_power":
            n = R.choice([0, 1, 2, -1])
            record(op, {"x": x}, "matrix_power n=%d" % n, lambda a: torch.linalg.matrix_power(a["x"], n))
        else:
            f = {"det": torch.linalg.det, "logdet": torch.logdet, "inv": torch.linalg.inv,
                 "cholesky": torch.linalg.cholesky}[op]
            record(op, {"x": x}, op, lambda a: f(a["x"]))
    elif op == "solve":
        n = R.choice([0, 2])
        x = ft([n, n] if n else R.choice([[0, 0], [2, 0, 0]]), dt)
        y = ft(R.choice([[n, 3], [n], [n, 0], [0, n, 2]]) if n else R.choice([[0, 3], [0], [2, 0, 1]]), dt)
        if n:
            x = x + 3 * torch.eye(n, dtype=dt)
        record(op, {"x": x, "y": y}, "solve", lambda a: torch.linalg.solve(a["x"], a["y"]))
    elif op in ("trace", "tril", "diag", "diagonal"):
        x = ft(R.choice([[0, 0], [0, 3], [3, 0], [0]]), dt)
        if op == "trace":
            record(op, {"x": x}, "trace", lambda a: torch.trace(a["x"]))
        elif op == "tril":
            k = R.choice([0, 1, -1])
            record(op, {"x": x}, "tril k=%d" % k, lambda a: tril_2x(a["x"], k))
        elif op == "diag":
            k = R.choice([0, 1, -1])
            record(op, {"x": x}, "diag k=%d" % k, lambda a: diag_2x(a["x"], k),
                   node="DiagEmbedBackward0" if x.dim() == 1 else "DiagonalBackward0_copy")
        else:
            k = R.choice([0, 1, -1])
            record(op, {"x": x}, "diagonal k=%d" % k, lambda a: torch.diagonal(a["x"], k))
    elif op == "diff":
        shape = empty_shape()
        d = rdim(shape)
        n = R.choice([1, 2])
        record(op, {"x": ft(shape, dt)}, "diff n=%d dim=%d" % (n, d), lambda a: torch.diff(a["x"], n, d))
    elif op == "kron":
        record(op, {"x": ft(empty_shape(), dt), "y": ft(R.choice([[2], [2, 3], [0, 2]]), dt)}, "kron",
               lambda a: torch.kron(a["x"], a["y"]))
    elif op == "cdist":
        p = R.choice([1.0, 2.0, 0.0, INF])
        x = ft(R.choice([[0, 3], [2, 0], [0, 0], [2, 3]]), dt)
        y = ft(R.choice([[0, x.shape[1]], [4, x.shape[1]]]), dt)
        record(op, {"x": x, "y": y}, "cdist p=%s" % num(p), lambda a: torch.cdist(a["x"], a["y"], p))
    elif op == "searchsorted":
        sq = torch.sort(ft(R.choice([[0], [3], [2, 0]]), dt)).values
        v = ft(R.choice([[0], [2], [2, 0]]) if sq.dim() == 1 else [2, R.choice([0, 2])], dt)
        right = R.random() < 0.5
        record(op, {"x": sq, "y": v}, "searchsorted right=%s" % pv(right),
               lambda a: torch.searchsorted(a["x"], a["y"], right=right), rg=[])
    elif op == "repeat_interleave":
        x = ft(R.choice([[0], [0, 3], [3, 0]]), dt)
        d = rdim(list(x.shape))
        r = it([x.shape[d]], 0, 2) if R.random() < 0.8 else it([1], 0, 2)
        record(op, {"x": x, "i": r}, "repeat_interleave dim=%d" % d,
               lambda a: torch.repeat_interleave(a["x"], a["i"], d))
    elif op == "index_fill":
        shape = empty_shape()
        d = rdim(shape)
        record(op, {"x": ft(shape, dt), "i": it([0], 0, 0)}, "index_fill dim=%d value=1.5" % d,
               lambda a: a["x"].index_fill(d, a["i"], 1.5))
    elif op in ("aminmax", "var_mean", "std_mean"):
        shape = empty_shape()
        d = rdim(shape)
        k = R.random() < 0.5
        if op == "aminmax":
            record(op, {"x": ft(shape, dt)}, "aminmax dim=%d keepdim=%s" % (d, pv(k)),
                   lambda a: tuple(torch.aminmax(a["x"], dim=d, keepdim=k)), rg=[])
        else:
            c = R.choice([0, 1])
            record(op, {"x": ft(shape, dt)}, "%s dim=%d keepdim=%s correction=%d" % (op, d, pv(k), c),
                   lambda a: tuple(getattr(torch, op)(a["x"], [d], correction=c, keepdim=k)), rg=[])
    elif op == "nanquantile":
        shape = empty_shape()
        d = rdim(shape)
        record(op, {"x": ft(shape, dt)}, "nanquantile q=0.5 dim=%d" % d,
               lambda a: torch.nanquantile(a["x"], 0.5, dim=d))
    elif op == "renorm":
        shape = R.choice([[0, 3], [3, 0], [2, 0, 4]])
        d = rdim(shape)
        record(op, {"x": ft(shape, dt)}, "renorm p=2.0 dim=%d maxnorm=1.0" % d, lambda a: torch.renorm(a["x"], 2, d, 1.0))
    elif op == "tensordot":
        x = ft(R.choice([[2, 0], [0, 3], [2, 0, 3]]), dt)
        y = ft([x.shape[-1], R.choice([0, 2])], dt)
        record(op, {"x": x, "y": y}, "tensordot dims=1", lambda a: torch.tensordot(a["x"], a["y"], 1))
    elif op == "dist":
        p = R.choice([2.0, 1.0, INF, 0.0])
        sh = empty_shape()
        record(op, {"x": ft(sh, dt), "y": ft(R.choice([sh, [1]]), dt)}, "dist p=%s" % num(p),
               lambda a: dist_2x(a["x"], a["y"], p))
    elif op in ("inner", "logaddexp", "xlogy", "lerp", "cross"):
        sh = empty_shape() if op != "cross" else R.choice([[0, 3], [3, 0]])
        y = ft(R.choice([sh, sh[-1:], [1]]), dt)
        if op == "lerp":
            record(op, {"x": ft(sh, dt), "y": y}, "lerp weight=0.25", lambda a: torch.lerp(a["x"], a["y"], 0.25))
        elif op == "cross":
            d = 1 if sh == [0, 3] else 0
            record(op, {"x": ft(sh, dt), "y": ft(sh, dt)}, "cross dim=%d" % d,
                   lambda a: torch.linalg.cross(a["x"], a["y"], dim=d))
        else:
            record(op, {"x": ft(sh, dt), "y": y}, op, lambda a: getattr(torch, op)(a["x"], a["y"]))
    elif op == "addcmul":
        sh = empty_shape()
        record(op, {"x": ft(sh, dt), "y": ft(R.choice([sh, [1]]), dt), "z": ft(R.choice([sh, []]), dt)},
               "addcmul value=0.5", lambda a: torch.addcmul(a["x"], a["y"], a["z"], value=0.5))
    elif op in ("nan_to_num", "logit", "gelu", "silu", "softplus", "elu", "leaky_relu", "hardtanh"):
        f = {"nan_to_num": torch.nan_to_num, "logit": torch.logit, "gelu": F.gelu, "silu": F.silu,
             "softplus": F.softplus, "elu": F.elu, "leaky_relu": F.leaky_relu, "hardtanh": F.hardtanh}[op]
        record(op, {"x": ft(empty_shape(), dt)}, op, lambda a: f(a["x"]))
    elif op == "pad":
        x = ft(R.choice([[0, 3], [2, 0], [0, 2, 3], [1, 0, 3]]), dt)
        pd = R.choice([[1, 1], [0, 2], [1, 0, 1, 0], [-1, 0]])
        mode = "constant"
        record(op, {"x": x}, "pad pad=%s mode=%s" % (pv(pd), mode), lambda a: pad_2x(a["x"], pd))
    elif op == "normalize":
        sh = empty_shape()
        d = rdim(sh)
        record(op, {"x": ft(sh, dt)}, "normalize dim=%d" % d, lambda a: F.normalize(a["x"], 2.0, d))
    elif op == "glu":
        sh = R.choice([[0, 4], [2, 0], [0, 3]])
        d = rdim(sh)
        record(op, {"x": ft(sh, dt)}, "glu dim=%d" % d, lambda a: F.glu(a["x"], d))
    elif op == "cosine_similarity":
        sh = R.choice([[0, 3], [3, 0], [0]])
        record(op, {"x": ft(sh, dt), "y": ft(sh, dt)}, "cosine_similarity dim=-1",
               lambda a: F.cosine_similarity(a["x"], a["y"], -1))
    elif op == "pdist":
        record(op, {"x": ft(R.choice([[0, 3], [1, 3], [3, 0], [2, 0]]), dt)}, "pdist", lambda a: F.pdist(a["x"]),
               rg=[])
    elif op == "pixel_shuffle":
        record(op, {"x": ft(R.choice([[0, 4, 2, 2], [1, 0, 2, 2], [1, 4, 0, 2]]), dt)}, "pixel_shuffle r=2",
               lambda a: F.pixel_shuffle(a["x"], 2))
    elif op == "max_pool2d_idx":
        record(op, {"x": ft(R.choice([[0, 2, 4, 4], [0, 2, 4, 0]]), dt)}, "max_pool2d_idx kernel=2",
               lambda a: F.max_pool2d(a["x"], 2, return_indices=True))
    else:
        sh = empty_shape()
        d = rdim(sh)
        record(op, {"x": ft(sh, dt)}, "trapezoid dim=%d" % d, lambda a: torch.trapezoid(a["x"], dim=d))


CHAIN = ["sum0", "mean0", "exp", "softmax0", "cumsum0", "t", "relu", "mul2", "amax0", "logsumexp0", "flatten",
         "unsqueeze0", "var0", "prod0", "norm"]


def chain_step(v, name):
    if name == "t":
        return v.transpose(0, -1)
    if name == "mul2":
        return v * 2
    if name == "flatten":
        return v.flatten()
    if name == "unsqueeze0":
        return v.unsqueeze(0)
    if name == "norm":
        return torch.linalg.vector_norm(v)
    if name in ("exp", "relu"):
        return getattr(torch, name)(v)
    base = name[:-1]
    if base in ("softmax", "cumsum", "logsumexp"):
        return getattr(torch, base)(v, 0)
    if base == "var":
        return torch.var(v, 0)
    if base == "amax":
        return torch.amax(v, 0)
    return getattr(torch, base)(v, 0)


def chains():
    """Two or three steps on an empty input (each a step of CHAIN; a dim of 0 on an empty-leading input)."""
    steps = [R.choice(CHAIN) for _ in range(R.choice([2, 3]))]
    x = ft(empty_shape(), F64)

    def run(a):
        v = a["x"]
        for st in steps:
            v = chain_step(v, st)
        return v

    record("chain", {"x": x}, "chain steps=%s" % ",".join(steps), run)


def check_valid_input_2x(v, k):
    """2.x's padding::check_valid_input<k> (Padding.h), which 2.x's reflection_padNd and replication_padNd call first:
    only a batch dim may be empty. 1.13's reflection_pad1d / 2d allow an empty channel dim of an unbatched input and
    word their refusal "2D or 3D (batch mode) tensor expected for input, but got: [ torch.DoubleTensor{...} ]"."""
    batch = v.dim() == k + 2
    if any(s == 0 for s in list(v.shape)[1 if batch else 0:]):
        raise RuntimeError("Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and other non-zero "
                           "dimensions for input, but got: [%s]" % (k + 1, k + 2, ", ".join(str(s) for s in v.shape)))


def pad_mode_2x(v, pd, mode):
    """F.pad reflect / replicate / circular as 2.x's at::pad (_pad_enum; 1.13's Python F.pad asserts first): 2.x's
    check_valid_input before the kernel, and 2.x's _pad_circular_symint, which takes an unbatched input (1.13's
    _pad_circular refuses it: "Invalid padding size, expected 0 but got 2"), run here as the batched one of batch 1."""
    k = len(pd) // 2
    if len(pd) % 2 == 0 and len(pd) <= 2 * v.dim() and k in (1, 2, 3) and v.dim() in (k + 1, k + 2):
        if mode != "circular":
            check_valid_input_2x(v, k)
        elif v.dim() == k + 1:
            return torch._C._nn.pad(v.unsqueeze(0), pd, mode, None)[0]
    return torch._C._nn.pad(v, pd, mode, None)


PAD_SHAPES = [[0, 3], [3, 0], [0, 2, 3], [1, 0, 3], [2, 3, 0], [0, 2, 3, 3], [1, 0, 3, 3], [1, 2, 0, 3], [2, 3, 3, 0],
              [0, 2, 3, 3, 3], [1, 2, 3, 0, 3], [0, 3, 3], [2, 0, 3, 3], [0, 1, 2, 2, 2]]
PAD_PADS = [[1, 1], [0, 2], [1, 0], [-1, 0], [0, 0], [2, 2], [1, 1, 1, 1], [0, 1, 2, 0], [-1, 1, 0, 0],
            [1, 1, 1, 1, 1, 1], [0, 0, 1, 0, 0, 1], [1, 2, 0, 0, 0, 0]]


def pad_modes():
    """Appended after round 35's first draws (their bytes unchanged): F.pad with mode reflect / replicate / circular of
    an input with an empty dim (batch, channel or spatial), 2.x's checks and answers (pad_mode_2x)."""
    x = ft(R.choice(PAD_SHAPES), fdt())
    fits = [p for p in PAD_PADS if len(p) // 2 in (x.dim() - 1, x.dim() - 2)]
    pd = R.choice(fits if R.random() < 0.9 else [p for p in PAD_PADS if len(p) <= 2 * x.dim()])
    mode = R.choice(["reflect", "replicate", "circular"])
    unbatched_circular = mode == "circular" and x.dim() == len(pd) // 2 + 1
    record("pad", {"x": x}, "pad pad=%s mode=%s" % (pv(pd), mode), lambda a: pad_mode_2x(a["x"], pd, mode),
           node="CopySlices" if unbatched_circular else None)


FAMILIES = [(unary, 160), (binary, 220), (reduction, 520), (scan, 100), (sorting, 120), (matmuls, 160),
            (shapes, 260), (indexing, 200), (softmaxes, 50), (convs, 120), (norms, 120), (losses, 130), (misc, 130),
            (extra, 500), (chains, 200), (pad_modes, 150)]



def fixes():
    """The cases of FuzzRound35FixesTest (FUZZ_FIXES=1), fixed inputs."""
    pool = lambda a: F.adaptive_avg_pool2d(a["x"], 2)
    # batch 0 and channels 0: the forward passes (it checks the spatial dims), the backward refuses
    record("adaptive_avg_pool2d", {"x": torch.zeros([0, 0, 4, 4], dtype=F64)}, "adaptive_avg_pool2d size=2", pool,
           cid="fix_adaptiveAvgPoolBackwardNoChannels")
    record("adaptive_avg_pool2d", {"x": torch.zeros([2, 0, 3, 5], dtype=F64)}, "adaptive_avg_pool2d size=2", pool,
           cid="fix_adaptiveAvgPoolBackwardNoChannelsBatch2")
    # a 3-D input's first dim is its channels, not checked by the backward (PyTorch's loop starts at dim 1)
    record("adaptive_avg_pool2d", {"x": torch.zeros([0, 4, 4], dtype=F64)}, "adaptive_avg_pool2d size=2", pool,
           cid="fix_adaptiveAvgPoolBackward3dNoChannels")
    record("adaptive_avg_pool2d", {"x": torch.zeros([0, 3, 4, 4], dtype=F64)}, "adaptive_avg_pool2d size=2", pool,
           cid="fix_adaptiveAvgPoolBackwardBatch0")


if os.environ.get("FUZZ_FIXES"):
    fixes()
else:
    for fam, n in FAMILIES:
        for _ in range(times(n)):
            fam()

print("\n".join(OUT))
