# Writes expected.txt for InplaceViewSweepTest.java: in-place ops that write into views (and views of views) of
# tensors autograd records -- PyTorch's CopySlices / view-rebase machinery.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; the facts used hold in 2.x too, see notes).
#
# A case key is "base/view/op/mode". Every case runs the same procedure (mirrored exactly by the Java test):
#   x    = X.clone().requires_grad_()            (float64, shape (4, 3); X[k] = ((5k mod 12) - 5.5) / 4)
#   b    = BASES[base](x)                        (leafmul: x*1, clone: x.clone(), chain: (x*2+1)*x,
#                                                 buffer: X.clone() without grad, leaf: x itself)
#   old  = b.narrow(0, 0, 2)                     (a view taken before the write, whose grad_fn must regenerate)
#   old2 = b.t().select(0, 1)                    (a view of a view taken before the write)
#   v    = VIEWS[view](b)
#   OPS[op](b, v)  under grad mode ("grad") or torch.no_grad() ("nograd"); creates at most one leaf w
#   record b, v values; grad_fn names of b, v, old, old2
#   (v * CV).sum().backward(retain_graph=True)  -> grads of x and w ("gv_x", "gv_w"); grads reset
#   ((b * CB).sum() + (old * CO).sum() + (old2 * CO2).sum() + (v * CV).sum()).backward()  -> "g_x", "g_w"
# The first exception ends the case: "error <stage> <first line of the message>".
#
# Notes (PyTorch 2.x vs 1.13):
# - Rebased views get AsStridedBackward0 in both (2.x only replays views with view_fn when the base does not support
#   as_strided or when original view tracking is forced, neither applies on CPU dense tensors).
# - The multi-output-view (split/chunk/unbind) messages are the same text in 1.13 and 2.x.
# - buffer/*/overlap2: v is taken from the buffer before it requires grad; after b.narrow(0, 1, 2).copy_(w) PyTorch
#   refuses v.add_(1.0) with "a leaf Variable that requires grad is being used in an in-place operation." because
#   check_inplace reads is_leaf() from the raw grad_fn_ field, which is only regenerated (AsStridedBackward0) lazily by
#   reading v.grad_fn; reading v.grad_fn first makes the same add_ succeed. Ember regenerates a view's history whenever
#   it reads it, so op_overlap2 reads v.grad_fn before the add_: the answer PyTorch gives once the history is current.
# - fill_/zero_ skip the overlap check (fill is idempotent), in 1.13 and 2.x: writing an expanded view succeeds.
# - Ember has no relu_/sigmoid_/tanh_/exp_ (nor unfold); those PyTorch ops are therefore not swept here.
import torch

D = torch.float64
X = torch.tensor([((5 * k) % 12 - 5.5) / 4 for k in range(12)], dtype=D).reshape(4, 3)


def seq(shape, f):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([f(k) for k in range(n)], dtype=D).reshape(shape)


def W(shape):
    return seq(shape, lambda k: (k % 7) * 0.25 + 0.5).requires_grad_()


def CB(shape):
    return seq(shape, lambda k: 1 + 0.5 * k)


def CV(shape):
    return seq(shape, lambda k: 2 - 0.25 * k)


def CO(shape):
    return seq(shape, lambda k: 3.0 + k)


def CO2(shape):
    return seq(shape, lambda k: 1 - 0.5 * k)


def mask(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([k % 3 == 0 for k in range(n)]).reshape(shape)


def idx2(n0):  # unique indices along dim 0
    return torch.tensor([n0 - 1, 0] if n0 > 1 else [0])


def idx3(n0):  # with a duplicate
    return torch.tensor([0, n0 - 1, 0])


def colidx(rows, shape):  # index tensor of shape (len(rows),) + shape[1:], row r holding rows[r]
    out = torch.empty((len(rows),) + tuple(shape[1:]), dtype=torch.long)
    for r, val in enumerate(rows):
        out[r] = val
    return out


BASES = {
    "leafmul": lambda x: x * 1,
    "clone": lambda x: x.clone(),
    "chain": lambda x: (x * 2 + 1) * x,
    "buffer": lambda x: X.clone(),
    "leaf": lambda x: x,
}

VIEWS = {
    "self": lambda b: b,
    "sel0": lambda b: b.select(0, 1),
    "sel1": lambda b: b.select(1, 2),
    "narrow": lambda b: b.narrow(0, 1, 2),
    "narrow1": lambda b: b.narrow(1, 1, 2),
    "step": lambda b: b[0:4:2],
    "step1": lambda b: b[:, 0:3:2],
    "t": lambda b: b.t(),
    "perm": lambda b: b.unsqueeze(2).permute(1, 2, 0),
    "diag": lambda b: b.diagonal(),
    "diagoff": lambda b: b.diagonal(1, 0, 1),
    "unsq": lambda b: b.unsqueeze(0),
    "sq": lambda b: b.unsqueeze(1).squeeze(1),
    "view": lambda b: b.view(2, 6),
    "reshape": lambda b: b.reshape(6, 2),
    "vov": lambda b: b.narrow(0, 1, 3).select(1, 0),
    "vov2": lambda b: b.t().narrow(0, 1, 2)[:, 0:4:2],
    "vov3": lambda b: b.view(12).narrow(0, 2, 6).view(2, 3).t(),
    "idxview": lambda b: b[1, 1:],
    "advidx": lambda b: b[torch.tensor([2, 0])],
    "expand": lambda b: b.narrow(0, 0, 1).expand(3, 3),
    "split": lambda b: b.split(2, 0)[1],
    "unbind": lambda b: b.unbind(1)[0],
    "chunk": lambda b: b.chunk(2, 1)[0],
}


def op_seq(b, v):
    w = W(v.shape)
    v.mul_(w); v.add_(0.5); v.clamp_(-1.0, 2.0)
    return w


def op_overlap(b, v):
    w = W(v.shape)
    v.add_(w); b.select(1, 1).mul_(-2.0); v.sub_(0.25)
    return w


def op_overlap2(b, v):
    w = W((2, 3))
    v.mul_(1.5); b.narrow(0, 1, 2).copy_(w)
    v.grad_fn  # regenerates v's history now, as Ember does whenever it reads it (see the note above)
    v.add_(1.0)
    return w


def one(f):
    def g(b, v):
        w = W(v.shape); f(v, w); return w
    return g


def none(f):
    def g(b, v):
        f(v); return None
    return g


def op_w0(b, v):
    w = torch.tensor(1.5, dtype=D).requires_grad_()
    v.masked_fill_(mask(v.shape), w)
    return w


def op_iput_mask(b, v):
    m = mask(v.shape)
    w = W((int(m.sum()),))
    v.index_put_((m,), w)
    return w


def op_iput_acc(b, v):
    n0 = v.shape[0]
    w = W((3,) + tuple(v.shape[1:]))
    v.index_put_((idx3(n0),), w, accumulate=True)
    return w


def op_iput_val(b, v):
    v.index_put_((idx2(v.shape[0]),), torch.tensor(5.0, dtype=D))
    return None


def op_scatter(b, v):
    n0 = v.shape[0]
    i = colidx([n0 - 1, 0] if n0 > 1 else [0], v.shape)
    w = W(i.shape)
    v.scatter_(0, i, w)
    return w


def op_scatter_s(b, v):
    n0 = v.shape[0]
    v.scatter_(0, colidx([n0 - 1, 0] if n0 > 1 else [0], v.shape), 6.0)
    return None


def op_scatter_add(b, v):
    n0 = v.shape[0]
    i = colidx([0, n0 - 1, 0], v.shape)
    w = W(i.shape)
    v.scatter_add_(0, i, w)
    return w


def op_index_add(b, v):
    w = W((3,) + tuple(v.shape[1:]))
    v.index_add_(0, idx3(v.shape[0]), w, alpha=2.0)
    return w


def op_index_copy(b, v):
    i = idx2(v.shape[0])
    w = W((len(i),) + tuple(v.shape[1:]))
    v.index_copy_(0, i, w)
    return w


OPS = {
    "add_t": one(lambda v, w: v.add_(w)),
    "add_s": none(lambda v: v.add_(2.5)),
    "sub_ta": one(lambda v, w: v.sub_(w, alpha=0.5)),
    "sub_s": none(lambda v: v.sub_(1.25)),
    "mul_t": one(lambda v, w: v.mul_(w)),
    "mul_s": none(lambda v: v.mul_(3.0)),
    "div_t": one(lambda v, w: v.div_(w)),
    "div_s": none(lambda v: v.div_(4.0)),
    "copy": one(lambda v, w: v.copy_(w)),
    "copy_bc": lambda b, v: (lambda w: (v.copy_(w), w)[1])(W(tuple(v.shape[-1:]))),
    "fill": none(lambda v: v.fill_(7.0)),
    "zero": none(lambda v: v.zero_()),
    "clamp": none(lambda v: v.clamp_(-0.5, 0.75)),
    "mfill": none(lambda v: v.masked_fill_(mask(v.shape), 9.0)),
    "mfill_t": op_w0,
    "iput_mask": op_iput_mask,
    "iput_acc": op_iput_acc,
    "iput_val": op_iput_val,
    "scatter": op_scatter,
    "scatter_s": op_scatter_s,
    "scatter_add": op_scatter_add,
    "index_add": op_index_add,
    "index_copy": op_index_copy,
    "index_fill": none(lambda v: v.index_fill_(0, idx2(v.shape[0]), -3.0)),
    "seq": op_seq,
    "overlap": op_overlap,
    "overlap2": op_overlap2,
}

TENSOR_OPS = ["add_t", "sub_ta", "mul_t", "div_t", "copy", "copy_bc", "mfill_t", "iput_mask", "iput_acc", "scatter",
              "scatter_add", "index_add", "index_copy", "seq", "overlap", "overlap2"]
SOME_OPS = ["copy", "mul_t", "add_s", "clamp", "iput_acc", "index_fill", "seq"]
SOME_VIEWS = ["self", "sel0", "sel1", "step1", "t", "diag", "vov", "vov2", "vov3", "idxview", "advidx", "expand",
              "split", "unbind"]


# expand: masked_fill_/index_put_/index_fill_ on an expanded tensor are only deprecated (a warning) and their result
# depends on the kernel's memory order, so they are left out; fill_/zero_ are allowed (no overlap check) and fail later
# in CopySlices' backward (copy_ into the overlapping as_strided grad slice), in 1.13 and 2.x alike.
EXPAND_SKIP = {"mfill", "mfill_t", "iput_mask", "iput_acc", "iput_val", "index_fill"}


def cases():
    out = []
    for view in VIEWS:
        for op in OPS:
            out.append(("leafmul", view, op, "grad"))
    for base in ["clone", "chain"]:
        for view in SOME_VIEWS:
            for op in SOME_OPS:
                out.append((base, view, op, "grad"))
    for view in SOME_VIEWS:
        for op in TENSOR_OPS:
            out.append(("buffer", view, op, "grad"))
    for view in VIEWS:
        for op in SOME_OPS:
            out.append(("leafmul", view, op, "nograd"))
    for view in ["self", "sel0", "t", "vov", "advidx", "split"]:
        for op in ["mul_s", "copy"]:
            out.append(("leaf", view, op, "grad"))
            out.append(("leaf", view, op, "nograd"))
    for view in ["sel0", "vov2", "advidx", "split"]:
        for op in ["copy", "seq"]:
            out.append(("buffer", view, op, "nograd"))
    return [c for c in out if not (c[1] == "expand" and c[2] in EXPAND_SKIP)]


def fmt(t):
    if t is None:
        return "None"
    return repr(t.detach().reshape(-1).tolist())


def name(t):
    return "None" if t.grad_fn is None else type(t.grad_fn).__name__


class Stage(Exception):
    pass


def run(base, view, op, mode):
    lines = []
    stage = "setup"
    try:
        x = X.clone().requires_grad_()
        b = BASES[base](x)
        old = b.narrow(0, 0, 2)
        old2 = b.t().select(0, 1)
        stage = "view"
        v = VIEWS[view](b)
        stage = "write"
        if mode == "nograd":
            with torch.no_grad():
                w = OPS[op](b, v)
        else:
            w = OPS[op](b, v)
        lines.append("b " + fmt(b))
        lines.append("v " + fmt(v))
        stage = "names"
        lines.append("names " + " ".join([name(b), name(v), name(old), name(old2)]))
        stage = "backward_v"
        (v * CV(v.shape)).sum().backward(retain_graph=True)
        lines.append("gv_x " + fmt(x.grad))
        lines.append("gv_w " + fmt(None if w is None else w.grad))
        x.grad = None
        if w is not None:
            w.grad = None
        stage = "backward"
        ((b * CB(b.shape)).sum() + (old * CO(old.shape)).sum() + (old2 * CO2(old2.shape)).sum()
         + (v * CV(v.shape)).sum()).backward()
        lines.append("g_x " + fmt(x.grad))
        lines.append("g_w " + fmt(None if w is None else w.grad))
    except Exception as e:  # noqa: BLE001
        msg = str(e).split("\n")[0].strip()
        lines.append("error " + stage + " " + msg)
    return lines


if __name__ == "__main__":
    for c in cases():
        print("=== " + "/".join(c))
        for line in run(*c):
            print(line)
