# Writes expected.txt for LossesMoreTest.java: values, gradients and nodes of the margin and likelihood losses and the
# distances (soft_margin_loss, multilabel_soft_margin_loss, multi_margin_loss, multilabel_margin_loss,
# hinge_embedding_loss, triplet_margin_loss, poisson_nll_loss, gaussian_nll_loss, pairwise_distance, cosine_similarity,
# normalize, cdist), float64 and float32, every reduction; errors; module printouts.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13, CPU).
#
# Where PyTorch 2.x differs from 1.13, this script computes what 2.x does, with 1.13's tensor ops:
# - cosine_similarity: 2.x's ATen formula (aten/src/ATen/native/Distance.cpp) divides each input by its
#   linalg_vector_norm (cloned, then clamped at eps in place under no_grad) and sums the product; 1.13 divided by
#   sqrt(sum(x^2)) clamped at eps^2 (nodes PowBackward0, SumBackward1, SqrtBackward0) and expanded equal shapes too.
# - normalize: 2.x's Tensor.norm is linalg.vector_norm (LinalgVectorNormBackward0; 1.13 NormBackward1).
# - gaussian_nll_loss: 2.x's Python (var may be a float; the negative-entry check comes first; var may differ from the
#   input in one dimension where it has size 1).
# - triplet_margin_loss's message for inputs of different ranks is 2.x's ("The anchor, positive, and negative tensors
#   are expected to have the same number of dimensions, ..."; 1.13: "All inputs should have same dimension ...") and
#   is written in LossesMoreTest, as are
# - multi_margin_loss's size messages ("inconsistent target size, expected N but got [..]", the weight's) are 2.x's
#   and are written in LossesMoreTest itself; 1.13's multi_margin_loss with an empty batch and reduction mean returns
#   an uninitialized value (2.x too for multilabel_margin_loss), so those results are not compared.
# Each case: "=== key", then "call OP k=v ...", inputs "inN <dtype [shape] : values>", "grads i,j" (the inputs that
# take a gradient), "out ...", "gout ..." (the output's gradient), "gN ..." per gradient, "node NAME", "chain A,B,..."
# (the first path of nodes); or "error TYPE message".
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def fmt(t):
    shape = ",".join(str(s) for s in t.shape)
    dtype = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool",
             torch.float16: "float16", torch.bfloat16: "bfloat16"}[t.dtype]
    vals = " ".join(repr(v) for v in t.detach().flatten().tolist())
    return f"{dtype} [{shape}] : {vals}"


def chain(t, depth=8):
    out = []
    fn = t.grad_fn
    while fn is not None and depth > 0:
        out.append(type(fn).__name__)
        nxt = [f for f, _ in fn.next_functions if f is not None and type(f).__name__ != "AccumulateGrad"]
        fn = nxt[0] if nxt else None
        depth -= 1
    return ",".join(out)


# ---------------------------------------------------------------- PyTorch 2.x transcriptions

def cosine_similarity_2x(x1, x2, dim=1, eps=1e-8):
    common = torch.result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {str(common)[6:].title()}")
    x1 = x1 if x1.is_floating_point() else x1.to(common)
    x2 = x2 if x2.is_floating_point() else x2.to(common)
    if x1.shape != x2.shape:
        s = torch.broadcast_shapes(x1.shape, x2.shape)
        x1 = x1.expand(s)
        x2 = x2.expand(s)
    n1 = torch.linalg.vector_norm(x1, 2, dim=dim, keepdim=True).clone()
    n2 = torch.linalg.vector_norm(x2, 2, dim=dim, keepdim=True).clone()
    with torch.no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize_2x(input, p=2.0, dim=1, eps=1e-12):
    denom = torch.linalg.vector_norm(input, p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def gaussian_nll_loss_2x(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * torch.ones_like(input)
    elif torch.any(var < 0):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = torch.unsqueeze(var, -1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with torch.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    elif reduction == "sum":
        return loss.sum()
    else:
        return loss


def opt(o, k, d):
    return o.get(k, d)


def run(op, ins, o):
    red = o.get("reduction", "mean")
    if op == "softmargin":
        return F.soft_margin_loss(ins[0], ins[1], reduction=red)
    if op == "mlsm":
        return F.multilabel_soft_margin_loss(ins[0], ins[1], weight=ins[2] if len(ins) > 2 else None, reduction=red)
    if op == "mm":
        return F.multi_margin_loss(ins[0], ins[1], p=int(opt(o, "p", 1)), margin=float(opt(o, "margin", 1.0)),
                                   weight=ins[2] if len(ins) > 2 else None, reduction=red)
    if op == "mlm":
        return F.multilabel_margin_loss(ins[0], ins[1], reduction=red)
    if op == "hinge":
        return F.hinge_embedding_loss(ins[0], ins[1], margin=float(opt(o, "margin", 1.0)), reduction=red)
    if op == "triplet":
        return F.triplet_margin_loss(ins[0], ins[1], ins[2], margin=float(opt(o, "margin", 1.0)), p=float(opt(o, "p", 2)),
                                     eps=float(opt(o, "eps", 1e-6)), swap=opt(o, "swap", "false") == "true", reduction=red)
    if op == "poisson":
        return F.poisson_nll_loss(ins[0], ins[1], log_input=opt(o, "log_input", "true") == "true",
                                  full=opt(o, "full", "false") == "true", eps=float(opt(o, "eps", 1e-8)), reduction=red)
    if op == "gaussian":
        var = float(o["var"]) if "var" in o else ins[2]
        return gaussian_nll_loss_2x(ins[0], ins[1], var, full=opt(o, "full", "false") == "true",
                                    eps=float(opt(o, "eps", 1e-6)), reduction=red)
    if op == "pairwise":
        return F.pairwise_distance(ins[0], ins[1], p=float(opt(o, "p", 2)), eps=float(opt(o, "eps", 1e-6)),
                                   keepdim=opt(o, "keepdim", "false") == "true")
    if op == "cosine":
        return cosine_similarity_2x(ins[0], ins[1], dim=int(opt(o, "dim", 1)), eps=float(opt(o, "eps", 1e-8)))
    if op == "normalize":
        return normalize_2x(ins[0], p=float(opt(o, "p", 2)), dim=int(opt(o, "dim", 1)), eps=float(opt(o, "eps", 1e-12)))
    if op == "cdist":
        return torch.cdist(ins[0], ins[1], p=float(opt(o, "p", 2)))
    raise KeyError(op)


def case(key, op, ins, grads, **o):
    print("===", key)
    print("call", op, " ".join(f"{k}={v}" for k, v in o.items()))
    ins = [t.clone() for t in ins]
    for i, t in enumerate(ins):
        print(f"in{i}", fmt(t))
    print("grads", ",".join(str(i) for i in grads))
    for i in grads:
        ins[i].requires_grad_(True)
    try:
        out = run(op, ins, o)
    except Exception as e:
        print("error", type(e).__name__, str(e).split("\n")[0])
        return
    print("out", fmt(out))
    gout = torch.randn(out.shape, dtype=out.dtype)
    print("gout", fmt(gout))
    if grads:
        gs = torch.autograd.grad(out, [ins[i] for i in grads], gout, allow_unused=True)
        for i, g in zip(grads, gs):
            print(f"g{i}", fmt(g if g is not None else torch.zeros_like(ins[i])))
        print("node", type(out.grad_fn).__name__)
        print("chain", chain(out))


def pm1(*shape, dtype):
    return torch.randint(0, 2, shape).to(dtype) * 2 - 1


for dt, dn in ((torch.float64, "f64"), (torch.float32, "f32")):
    def r(*shape):
        return torch.randn(*shape, dtype=dt)

    for red in ("none", "mean", "sum"):
        k = f"{dn}/{red}"
        x = r(3, 4)
        case(f"softmargin/{k}", "softmargin", [x, pm1(3, 4, dtype=dt)], [0], reduction=red)
        case(f"softmargin/bcast/{k}", "softmargin", [x, pm1(4, dtype=dt)], [0], reduction=red)
        case(f"softmargin/empty/{k}", "softmargin", [r(0), r(0)], [0], reduction=red)
        y01 = torch.randint(0, 2, (3, 4)).to(dt)
        case(f"mlsm/{k}", "mlsm", [x, y01], [0], reduction=red)
        case(f"mlsm/weight/{k}", "mlsm", [x, y01, r(4).abs()], [0], reduction=red)
        case(f"mlsm/1d/{k}", "mlsm", [r(5), torch.randint(0, 2, (5,)).to(dt)], [0], reduction=red)
        xm = r(4, 5)
        tm = torch.tensor([0, 3, 4, 1])
        for p in (1, 2):
            case(f"mm/p{p}/{k}", "mm", [xm, tm], [0], reduction=red, p=p, margin=1.0)
            case(f"mm/p{p}/margin/{k}", "mm", [xm, tm], [0], reduction=red, p=p, margin=0.3)
            case(f"mm/p{p}/weight/{k}", "mm", [xm, tm, r(5).abs()], [0], reduction=red, p=p, margin=1.0)
        case(f"mm/1d/{k}", "mm", [r(5), torch.tensor(2)], [0], reduction=red)
        case(f"mm/1d1/{k}", "mm", [r(5), torch.tensor([2])], [0], reduction=red)
        case(f"mm/0d/{k}", "mm", [r(()), torch.tensor(0)], [0], reduction=red)
        if red == "none":
            case(f"mm/empty/{k}", "mm", [r(0, 5), torch.zeros(0, dtype=torch.long)], [0], reduction=red)
            case(f"mlm/empty/{k}", "mlm", [r(0, 5), torch.zeros(0, 5, dtype=torch.long)], [0], reduction=red)
        # empty inputs
        case(f"mlsm/empty/{k}", "mlsm", [r(0, 4), r(0, 4)], [0], reduction=red)
        case(f"hinge/empty/{k}", "hinge", [r(0, 4), r(0, 4)], [0], reduction=red)
        case(f"triplet/empty/{k}", "triplet", [r(0, 4), r(0, 4), r(0, 4)], [0, 1, 2], reduction=red)
        case(f"poisson/empty/{k}", "poisson", [r(0, 4), r(0, 4)], [0], reduction=red, full="true")
        case(f"gaussian/empty/{k}", "gaussian", [r(0, 4), r(0, 4), r(0, 4)], [0, 1, 2], reduction=red)
        xl = r(4, 5)
        tl = torch.tensor([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [-1, 0, 1, 2, 3], [4, 3, 2, 1, 0]])
        case(f"mlm/{k}", "mlm", [xl, tl], [0], reduction=red)
        case(f"mlm/1d/{k}", "mlm", [r(4), torch.tensor([2, 0, -1, 3])], [0], reduction=red)
        case(f"mlm/0d/{k}", "mlm", [r(()), torch.tensor(0)], [0], reduction=red)
        th = pm1(3, 4, dtype=dt)
        case(f"hinge/{k}", "hinge", [x, th], [0], reduction=red)
        case(f"hinge/margin/{k}", "hinge", [x, th], [0], reduction=red, margin=0.5)
        case(f"hinge/other/{k}", "hinge", [x, torch.tensor([1.0, -1.0, 0.0, 2.0], dtype=dt)], [0], reduction=red)
        a, pp, nn_ = r(4, 5), r(4, 5), r(4, 5)
        case(f"triplet/{k}", "triplet", [a, pp, nn_], [0, 1, 2], reduction=red)
        case(f"triplet/swap/{k}", "triplet", [a, pp, nn_], [0, 1, 2], reduction=red, swap="true", margin=2.0)
        case(f"triplet/p1/{k}", "triplet", [a, pp, nn_], [0, 1, 2], reduction=red, p=1.0, eps=1e-3)
        case(f"triplet/p3/{k}", "triplet", [a, pp, nn_], [0, 1, 2], reduction=red, p=3.0, margin=0.5)
        case(f"triplet/1d/{k}", "triplet", [r(5), r(5), r(5)], [0, 1, 2], reduction=red)
        tp = torch.tensor([[0.0, 1.0, 2.0, 5.0], [0.5, 3.0, 1.0, 0.0], [7.0, 2.5, 0.0, 1.5]], dtype=dt)
        case(f"poisson/{k}", "poisson", [x, tp], [0], reduction=red)
        case(f"poisson/full/{k}", "poisson", [x, tp], [0], reduction=red, full="true")
        case(f"poisson/rate/{k}", "poisson", [x.abs(), tp], [0], reduction=red, log_input="false")
        case(f"poisson/rate/full/{k}", "poisson", [x.abs(), tp], [0], reduction=red, log_input="false", full="true", eps=0.01)
        case(f"poisson/targetgrad/{k}", "poisson", [x, tp], [0, 1], reduction=red, full="true")
        t2 = r(3, 4)
        var = r(3, 4).abs()
        var[0, 1] = 1e-9  # clamped at eps
        case(f"gaussian/{k}", "gaussian", [x, t2, var], [0, 1, 2], reduction=red)
        case(f"gaussian/full/{k}", "gaussian", [x, t2, var], [0, 1, 2], reduction=red, full="true", eps=1e-3)
        case(f"gaussian/homo/{k}", "gaussian", [x, t2, r(3).abs()], [0, 1, 2], reduction=red)
        case(f"gaussian/homo1/{k}", "gaussian", [x, t2, r(3, 1).abs()], [0, 1, 2], reduction=red)
        case(f"gaussian/bcast/{k}", "gaussian", [x, t2, r(1, 4).abs()], [0, 1, 2], reduction=red)
        case(f"gaussian/float/{k}", "gaussian", [x, t2], [0, 1], reduction=red, var=0.7)

    k = dn
    x1, x2 = r(3, 4), r(3, 4)
    for p in ("2.0", "1.0", "3.0", "0.5", "inf", "0.0"):
        case(f"pairwise/p{p}/{k}", "pairwise", [x1, x2], [0, 1], p=p)
    case(f"pairwise/keepdim/{k}", "pairwise", [x1, x2], [0, 1], keepdim="true")
    case(f"pairwise/bcast/{k}", "pairwise", [r(4), x2], [0, 1], eps=0.1)
    case(f"pairwise/1d/{k}", "pairwise", [r(4), r(4)], [0, 1])
    case(f"pairwise/0d/{k}", "pairwise", [r(()), r(())], [0, 1])
    case(f"pairwise/3d/{k}", "pairwise", [r(2, 3, 4), r(2, 3, 4)], [0, 1], p="1.5")
    xc = r(3, 4)
    xc[1] = 0.0
    case(f"pairwise/empty/{k}", "pairwise", [r(0, 4), r(0, 4)], [0, 1])
    case(f"cosine/empty/{k}", "cosine", [r(0, 4), r(0, 4)], [0, 1])
    case(f"normalize/empty/{k}", "normalize", [r(0, 3)], [0])
    case(f"cosine/{k}", "cosine", [xc, x2], [0, 1])
    case(f"cosine/dim0/{k}", "cosine", [x1, x2], [0, 1], dim=0)
    case(f"cosine/bcast/{k}", "cosine", [r(4), x2], [0, 1], dim=-1)
    case(f"cosine/eps/{k}", "cosine", [x1 * 1e-3, x2], [0, 1], eps=0.01)
    case(f"normalize/{k}", "normalize", [xc], [0])
    case(f"normalize/p1dim0/{k}", "normalize", [x1], [0], p=1.0, dim=0)
    case(f"normalize/3d/{k}", "normalize", [r(2, 3, 4)], [0], p=3.0, dim=-1, eps=0.5)
    c1, c2 = r(2, 3, 4), r(5, 4)
    c2[1] = c1[0, 1]  # a zero distance
    for p in ("2.0", "1.0", "0.0", "inf", "3.0", "0.5", "1.5"):
        case(f"cdist/p{p}/{k}", "cdist", [c1, c2], [0, 1], p=p)
    case(f"cdist/2d/{k}", "cdist", [r(3, 2), r(4, 2)], [0, 1])
    case(f"cdist/batch/{k}", "cdist", [r(2, 1, 3, 2), r(4, 2, 2)], [0, 1], p="1.0")
    case(f"cdist/empty/{k}", "cdist", [r(0, 3), r(2, 3)], [0, 1])
    # p 2 with more than 25 rows: the matrix-product path (_euclidean_dist), with and without a batch
    big = r(30, 3)
    big2 = r(4, 3)  # no equal rows: a zero distance is rounding noise on this path (sqrt of a cancelled sum)
    case(f"cdist/mm/{k}", "cdist", [big, big2], [0, 1])
    case(f"cdist/mmbatch/{k}", "cdist", [r(2, 1, 27, 3), r(3, 4, 3)], [0, 1])
    case(f"cdist/mmp1/{k}", "cdist", [big, big2], [0, 1], p="1.0")
    case(f"cdist/c0/{k}", "cdist", [r(2, 0), r(3, 0)], [0, 1])

# integer inputs: PyTorch's promotion (x1 - x2 + eps and exp are floating)
case("pairwise/long", "pairwise", [torch.tensor([[1, 2, 3], [4, 0, -2]]), torch.tensor([[0, 2, 5], [1, 1, 1]])], [])
case("poisson/long", "poisson", [torch.tensor([[1, 2, 0]]), torch.tensor([[0, 3, 1]])], [])
case("cosine/intfloat", "cosine", [torch.tensor([[1, 2, 3]]), torch.tensor([[0.5, 2.0, -1.0]])], [])

# ---------------------------------------------------------------- errors (messages as PyTorch 1.13 and 2.x agree)
f = torch.float32
L = torch.int64
errs = [
    ("softmargin/long", "softmargin", [torch.ones(3, dtype=L), torch.ones(3)], {}),
    ("softmargin/bigtarget", "softmargin", [torch.ones(3), torch.ones(2, 3)], {}),
    ("softmargin/reduction", "softmargin", [torch.ones(3), torch.ones(3)], {"reduction": "bad"}),
    ("mlsm/reduction", "mlsm", [torch.ones(2, 3), torch.ones(2, 3)], {"reduction": "bad"}),
    ("mlsm/long", "mlsm", [torch.ones(2, 3, dtype=L), torch.ones(2, 3, dtype=L)], {}),
    ("hinge/long", "hinge", [torch.ones(3, dtype=L), torch.ones(3, dtype=L)], {}),
    ("mlsm/0d", "mlsm", [torch.tensor(0.3), torch.tensor(1.0)], {"reduction": "none"}),
    ("mm/emptyC", "mm", [torch.ones(2, 0), torch.ones(2, dtype=L)], {}),
    ("mm/3d", "mm", [torch.ones(2, 3, 4), torch.ones(2, dtype=L)], {}),
    ("mm/weight2d", "mm", [torch.ones(2, 3), torch.ones(2, dtype=L), torch.ones(1, 3)], {}),
    ("mm/p3", "mm", [torch.ones(2, 3), torch.ones(2, dtype=L)], {"p": 3}),
    ("mm/range", "mm", [torch.ones(2, 3), torch.tensor([0, 3])], {}),
    ("mm/negative", "mm", [torch.ones(2, 3), torch.tensor([0, -1])], {}),
    ("mm/int32", "mm", [torch.ones(2, 3), torch.tensor([0, 1], dtype=torch.int32)], {}),
    ("mm/long", "mm", [torch.ones(2, 3, dtype=L), torch.tensor([0, 1])], {}),
    ("mm/weighttype", "mm", [torch.ones(2, 3), torch.tensor([0, 1]), torch.ones(3, dtype=torch.float64)], {}),
    ("mm/reduction", "mm", [torch.ones(2, 3), torch.tensor([0, 1])], {"reduction": "bad"}),
    ("mm/half", "mm", [torch.ones(2, 3, dtype=torch.float16), torch.tensor([0, 1])], {}),
    ("mm/bfloat16", "mm", [torch.ones(2, 3, dtype=torch.bfloat16), torch.tensor([0, 1])], {}),
    ("mlm/half", "mlm", [torch.ones(3, dtype=torch.float16), torch.tensor([0, -1, 2])], {}),
    ("cdist/half", "cdist", [torch.ones(2, 3, dtype=torch.float16), torch.ones(2, 3, dtype=torch.float16)], {}),
    ("mlm/range", "mlm", [torch.ones(2, 3), torch.tensor([[0, 3, -1], [0, 1, 2]])], {}),
    ("mlm/rangeafter", "mlm", [torch.ones(2, 3), torch.tensor([[0, -1, 5], [0, 1, 2]])], {}),
    ("mlm/minus2", "mlm", [torch.ones(2, 3), torch.tensor([[0, -2, 1], [0, 1, 2]])], {}),
    ("mlm/size", "mlm", [torch.ones(2, 3), torch.tensor([[0, 1], [0, 1]])], {}),
    ("mlm/size1", "mlm", [torch.ones(3), torch.tensor([[0, 1, 2]])], {}),
    ("mlm/int32", "mlm", [torch.ones(3), torch.tensor([0, -1, 2], dtype=torch.int32)], {}),
    ("mlm/long", "mlm", [torch.ones(3, dtype=L), torch.tensor([0, -1, 2])], {}),
    ("mlm/3d", "mlm", [torch.ones(1, 2, 3), torch.ones(1, 2, 3, dtype=L)], {}),
    ("hinge/shape", "hinge", [torch.ones(3), torch.ones(2)], {}),
    ("poisson/reduction", "poisson", [torch.ones(3), torch.ones(3)], {"reduction": "x"}),
    ("gaussian/negative", "gaussian", [torch.ones(2, 3), torch.ones(2, 3), -torch.ones(2, 3)], {}),
    ("gaussian/negativefloat", "gaussian", [torch.ones(2, 3), torch.ones(2, 3)], {"var": -1.0}),
    ("gaussian/size", "gaussian", [torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 2)], {}),
    ("gaussian/size2", "gaussian", [torch.ones(2, 3), torch.ones(2, 3), torch.ones(1, 1)], {}),
    ("gaussian/reduction", "gaussian", [torch.ones(2, 3), torch.ones(2, 3), torch.ones(2, 3)], {"reduction": "bad"}),
    ("cdist/1d", "cdist", [torch.ones(3), torch.ones(2, 3)], {}),
    ("cdist/1d2", "cdist", [torch.ones(2, 3), torch.ones(3)], {}),
    ("cdist/cols", "cdist", [torch.ones(2, 3), torch.ones(2, 4)], {}),
    ("cdist/long", "cdist", [torch.ones(2, 3, dtype=L), torch.ones(2, 3, dtype=L)], {}),
    ("cdist/long2", "cdist", [torch.ones(2, 3), torch.ones(2, 3, dtype=L)], {}),
    ("cdist/negp", "cdist", [torch.ones(2, 3), torch.ones(2, 3)], {"p": -1.0}),
    ("cdist/dtype", "cdist", [torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64)], {}),
    ("cdist/batch", "cdist", [torch.ones(2, 2, 3), torch.ones(3, 2, 3)], {}),
    ("pairwise/shape", "pairwise", [torch.ones(2, 3), torch.ones(3, 3)], {}),
    ("cosine/dim", "cosine", [torch.ones(2, 3), torch.ones(2, 3)], {"dim": 2}),
    ("normalize/dim", "normalize", [torch.ones(3)], {}),
]
for key, op, ins, o in errs:
    print("===", "error/" + key)
    print("call", op, " ".join(f"{k}={v}" for k, v in o.items()))
    for i, t in enumerate(ins):
        print(f"in{i}", fmt(t))
    try:
        run(op, ins, o)
        print("noerror")
    except Exception as e:
        print("error", type(e).__name__, str(e).split("\n")[0])

# the cosine similarity of integers, and its type error
print("=== cosine/long")
print("value", repr(cosine_similarity_2x(torch.tensor([[1., 2.]]), torch.tensor([[3., 1.]])).tolist()))
try:
    F.cosine_similarity(torch.ones(2, 3, dtype=L), torch.ones(2, 3, dtype=L))
except Exception as e:
    print("error", type(e).__name__, e)

# autocast on the CPU in bfloat16: these losses and cdist run in float32 (PyTorch's fp32 list, the same in 2.x)
print("=== autocast")
xb = torch.randn(3, 4).bfloat16()
with torch.autocast("cpu", dtype=torch.bfloat16):
    outs = [F.soft_margin_loss(xb, xb.sign()), F.multi_margin_loss(xb, torch.tensor([0, 1, 2])), torch.cdist(xb, xb),
            F.triplet_margin_loss(xb, xb, xb), F.hinge_embedding_loss(xb, xb.sign()), F.poisson_nll_loss(xb, xb.abs()),
            F.multilabel_margin_loss(xb, torch.tensor([[0, -1, 0, 0]] * 3))]
print("dtypes", ",".join(str(o.dtype) for o in outs))

# module printouts and state dict keys
mods = {
    "SoftMarginLoss": nn.SoftMarginLoss(), "MultiLabelSoftMarginLoss": nn.MultiLabelSoftMarginLoss(weight=torch.ones(3)),
    "MultiMarginLoss": nn.MultiMarginLoss(p=2, margin=0.5), "MultiLabelMarginLoss": nn.MultiLabelMarginLoss(),
    "HingeEmbeddingLoss": nn.HingeEmbeddingLoss(margin=2.0), "TripletMarginLoss": nn.TripletMarginLoss(swap=True),
    "PoissonNLLLoss": nn.PoissonNLLLoss(full=True), "GaussianNLLLoss": nn.GaussianNLLLoss(),
    "PairwiseDistance": nn.PairwiseDistance(p=1.0), "CosineSimilarity": nn.CosineSimilarity(dim=0),
}
for name, m in mods.items():
    print("=== module/" + name)
    print("repr", repr(m))
    print("keys", ",".join(m.state_dict().keys()))
