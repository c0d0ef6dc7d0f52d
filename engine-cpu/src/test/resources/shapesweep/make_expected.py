# Writes expected.txt for ShapeSweepTest.java: shape / view ops against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; see the 2.x notes below).
#
# Every case is "input op args" and runs the same procedure (mirrored exactly by the Java test, which reads the case
# list from expected.txt itself):
#   x    = seq(BASE[input]).requires_grad_()       float64 leaf, x[k] = ((7k mod 19) - 9) / 4
#   inp  = VIEW[input](x)                          contiguous, permuted, transposed, sliced with a step, expanded...
#   outs = OP(inp, args)                           a tensor or a list of tensors
#   for each output i: shape, stride, storage offset, grad_fn name, values
#   loss = sum_i (outs[i] * w_i).sum(),  w_i[k] = 1 + 0.5 * ((3k + i) mod 11);  loss.backward(); record x.grad
#   for each output i (numel > 0): with no_grad, outs[i].detach().fill_(1000 + i); view = 1 if x changed, else 0
# The first exception ends the case: "error <first line of the message>".
#
# Args are tokens separated by spaces: an int, a list "[1,2]", "N" (None) or a word.
#
# Notes on PyTorch 2.x vs 1.13:
# - squeeze with a list of dims exists only in 2.x (grad_fn SqueezeBackward2); expected values here are computed by
#   squeezing the listed size-1 dims one at a time (same result as 2.x), and the node name is written as 2.x's.
# - Error messages taken from 2.x where 1.13's differ: repeat_interleave(int, dim) on a 0-dim tensor (2.x unsqueezes
#   at dim + 1), narrow's start check ("start out of range ..."), tril/triu on < 2 dims, repeat_interleave's
#   repeats-size check (2.x appends the sizes).
# - grad_fn names taken from 2.x: reshape as a view is ViewBackward0 (1.13: ReshapeAliasBackward0); repeat_interleave
#   with an int is ViewBackward0 (unsqueeze/expand/clone/flatten; 1.13: index_select); diag is composite (1-D:
#   DiagEmbedBackward0, 2-D: DiagonalBackward0_copy, a contiguous copy); circular pad is CopySlices.
# - F.pad moved to C++ (at::pad) in 2.0; some error messages differ. Pad error cases are kept few.
import torch

D = torch.float64


def seq(shape, f):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([f(k) for k in range(n)], dtype=D).reshape(shape)


def xval(k):
    return ((7 * k) % 19 - 9) / 4


def wval(k, i):
    return 1 + 0.5 * ((3 * k + i) % 11)


INPUTS = {
    "c3": ((2, 3, 4), lambda x: x),
    "p3": ((4, 3, 2), lambda x: x.permute(2, 1, 0)),
    "t3": ((2, 4, 3), lambda x: x.transpose(1, 2)),
    "s3": ((2, 7, 4), lambda x: x[:, 1::2, :]),
    "e3": ((1, 3, 1), lambda x: x.expand(2, 3, 4)),
    "c2": ((3, 4), lambda x: x),
    "t2": ((4, 3), lambda x: x.t()),
    "s2": ((3, 9), lambda x: x[:, 1::2]),
    "e2": ((3, 1), lambda x: x.expand(3, 4)),
    "c1": ((5,), lambda x: x),
    "s1": ((11,), lambda x: x[1::2]),
    "z": ((), lambda x: x),
    "em": ((2, 0, 4), lambda x: x),
    "em1": ((0,), lambda x: x),
    "q4": ((2, 1, 3, 1), lambda x: x),
    "qs4": ((2, 1, 6, 1), lambda x: x[:, :, ::2]),
    "qe4": ((1, 1, 3, 1), lambda x: x.expand(2, 1, 3, 1)),
    "c4": ((2, 2, 3, 2), lambda x: x),
    "p4": ((2, 3, 2, 2), lambda x: x.permute(3, 0, 1, 2)),
    "m44": ((4, 4), lambda x: x),
    "t44": ((4, 4), lambda x: x.t()),
    "s44": ((4, 8), lambda x: x[:, ::2]),
}


def diag2(t, k):
    # 2.x: diag is composite: 1-D -> diag_embed (DiagEmbedBackward0), 2-D -> diagonal_copy (DiagonalBackward0_copy)
    if t.dim() == 1:
        return torch.diag_embed(t, k)
    if t.dim() == 2:
        return t.diagonal(k).clone(memory_format=torch.contiguous_format)  # generated *_copy: contiguous clone
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got %dD" % t.dim())


def diff2x(t, n, dim, **kw):
    # 2.x's diff_check refuses a negative order after the rank check (1.13 returned the input unchanged)
    if t.dim() >= 1 and n < 0:
        raise RuntimeError("order must be non-negative but got %d" % n)
    return t.diff(n, dim, **kw)


# grad_fn names that 2.x gives where 1.13 differs (op -> name); see the notes at the top
NAME_2X = {
    "repeatInterleave": "ViewBackward0",  # 2.x: unsqueeze/expand/clone/flatten, no longer index_select
    "diag": None,  # set per input rank in run()
}


def squeeze_list(t, dims):
    n = t.dim()
    lo, hi = (-n, n - 1) if n > 0 else (-1, 0)  # maybe_wrap_dim(wrap_scalar=true)
    for d in dims:
        if d < lo or d > hi:
            raise IndexError("Dimension out of range (expected to be in range of [%d, %d], but got %d)" % (lo, hi, d))
    wrapped = [d % n if n > 0 else 0 for d in dims]
    for k, d in enumerate(wrapped):
        if d in wrapped[:k]:
            raise RuntimeError("dim %d appears multiple times in the list of dims" % d)  # 2.x: dim_list_to_bitset
    nd = sorted(set(wrapped), reverse=True)
    if not nd:
        return t.view(t.shape)  # 2.x: squeeze(()) is still a new view with its SqueezeBackward2 node
    for d in nd:
        t = t.squeeze(d)
    return t


OPS = {
    "view": lambda t, a: t.view(a[0]),
    "reshape": lambda t, a: t.reshape(a[0]),
    "viewAs": lambda t, a: t.view_as(torch.zeros(a[0], dtype=D)),
    "flatten": lambda t, a: t.flatten(a[0], a[1]) if a else t.flatten(),
    "unflatten": lambda t, a: t.unflatten(a[0], a[1]),
    "permute": lambda t, a: t.permute(a[0]),
    "transpose": lambda t, a: t.transpose(a[0], a[1]),
    "swapaxes": lambda t, a: t.swapaxes(a[0], a[1]),
    "t": lambda t, a: t.t(),
    "mT": lambda t, a: t.mT,
    "T": lambda t, a: t.T,
    "movedim": lambda t, a: t.movedim(a[0], a[1]),
    "moveaxis": lambda t, a: t.moveaxis(a[0], a[1]),
    "squeeze": lambda t, a: t.squeeze(a[0]) if a else t.squeeze(),
    "squeezeL": lambda t, a: squeeze_list(t, a[0]),
    "unsqueeze": lambda t, a: t.unsqueeze(a[0]),
    "expand": lambda t, a: t.expand(a[0]),
    "expandAs": lambda t, a: t.expand_as(torch.zeros(a[0], dtype=D)),
    "broadcastTo": lambda t, a: torch.broadcast_to(t, a[0]),
    "repeat": lambda t, a: t.repeat(*a[0]),
    "tile": lambda t, a: t.tile(a[0]),
    "repeatInterleave": lambda t, a: t.repeat_interleave(a[0], dim=a[1]),
    "repeatInterleaveT": lambda t, a: t.repeat_interleave(torch.tensor(a[0]), dim=a[1]),
    "flip": lambda t, a: t.flip(a[0]),
    "roll": lambda t, a: t.roll(a[0], a[1]) if len(a) > 1 else t.roll(a[0]),
    "narrow": lambda t, a: t.narrow(a[0], a[1], a[2]),
    "select": lambda t, a: t.select(a[0], a[1]),
    "slice": lambda t, a: t[(slice(None),) * (a[0] % t.dim()) + (slice(a[1], a[2], a[3]),)],
    "split": lambda t, a: list(t.split(a[0], a[1])),
    "chunk": lambda t, a: list(t.chunk(a[0], a[1])),
    "tensorSplit": lambda t, a: list(t.tensor_split(a[0], a[1])),
    "unbind": lambda t, a: list(t.unbind(a[0])),
    "cat": lambda t, a: torch.cat([t, t * 2], a[0]),
    "cat3": lambda t, a: torch.cat([t, t.narrow(a[0], 0, 1), t * 3], a[0]),
    "catLegacyEmpty": lambda t, a: torch.cat([t, torch.empty(0, dtype=D)], a[0]),
    "catMismatch": lambda t, a: torch.cat([t, t.narrow(a[1], 0, 1)], a[0]),
    "catEmptyList": lambda t, a: torch.cat([], 0),
    "catScalar": lambda t, a: torch.cat([t, t], 0),
    "stack": lambda t, a: torch.stack([t, t * 2], a[0]),
    "stackMismatch": lambda t, a: torch.stack([t, t.narrow(0, 0, 1)], a[0]),
    "stackEmptyList": lambda t, a: torch.stack([], 0),
    "hstack": lambda t, a: torch.hstack([t, t * 2]),
    "vstack": lambda t, a: torch.vstack([t, t * 2]),
    "dstack": lambda t, a: torch.dstack([t, t * 2]),
    "tril": lambda t, a: t.tril(a[0]),
    "triu": lambda t, a: t.triu(a[0]),
    "diagonal": lambda t, a: t.diagonal(a[0], a[1], a[2]),
    "diagEmbed": lambda t, a: torch.diag_embed(t, a[0], a[1], a[2]),
    "diag": lambda t, a: diag2(t, a[0]),
    "trace": lambda t, a: t.trace(),
    "unfold": lambda t, a: t.unfold(a[0], a[1], a[2]),
    "asStrided": lambda t, a: t.as_strided(a[0], a[1], a[2]),
    "swapdims": lambda t, a: t.swapdims(a[0], a[1]),
    "rowStack": lambda t, a: torch.row_stack([t, t * 2]),
    "columnStack": lambda t, a: torch.column_stack([t, t * 2]),
    "atleast1d": lambda t, a: torch.atleast_1d(t),
    "atleast2d": lambda t, a: torch.atleast_2d(t),
    "atleast3d": lambda t, a: torch.atleast_3d(t),
    "rot90": lambda t, a: t.rot90(a[0], a[1]),
    "fliplr": lambda t, a: t.fliplr(),
    "flipud": lambda t, a: t.flipud(),
    "diff": lambda t, a: diff2x(t, a[0], a[1]),
    "diffPA": lambda t, a: diff2x(t, a[0], a[1], prepend=t.narrow(a[1], 0, 1) * 3, append=t.narrow(a[1], 0, 2) * 5),
    "diffBad": lambda t, a: t.diff(1, a[0], prepend=torch.zeros(a[1], dtype=D)),
    "blockDiag": lambda t, a: torch.block_diag(t, t.reshape(-1)[:2] * 2, t.reshape(-1)[0] * 3),
    "cartesianProd": lambda t, a: torch.cartesian_prod(t, t[:2] * 2) if a else torch.cartesian_prod(t),
    "combinations": lambda t, a: torch.combinations(t, a[0], a[1] == 1),
    "triuIndices": lambda t, a: torch.triu_indices(a[0], a[1], a[2]),
    "trilIndices": lambda t, a: torch.tril_indices(a[0], a[1], a[2]),
    "contiguous": lambda t, a: t.contiguous(),
    "clone": lambda t, a: t.clone(),
    "pad": lambda t, a: torch.nn.functional.pad(t, a[0], mode=a[1], value=a[2]) if a[1] == "constant"
    else torch.nn.functional.pad(t, a[0], mode=a[1]),
    "meshgrid": lambda t, a: list(torch.meshgrid([t, (t * 2)[:3]], indexing=a[0])),
    "meshgrid3": lambda t, a: list(torch.meshgrid([t, (t * 2)[:3], (t * 3)[:2]], indexing=a[0])),
}

CASES = []


def add(inputs, op, *argsets):
    for inp in inputs.split():
        for args in (argsets or ([],)):
            CASES.append((inp, op, list(args)))


A3 = "c3 p3 t3 s3 e3"
A2 = "c2 t2 s2 e2"
A1 = "c1 s1"

# view / reshape
add(A3 + " em", "view", [[6, 4]], [[24]], [[-1]], [[2, 12]], [[2, -1, 2]], [[4, 5]], [[-1, -1]], [[2, 3, 2, 2]],
    [[3, 8]], [[0, -1]])
add("c3 p3 t3 s3 e3", "view", [[2, 3, 4, 1]], [[1, 2, 3, 4]])
add("z", "view", [[1]], [[]], [[-1]], [[1, 1]], [[2]])
add("em", "view", [[0]], [[0, 5]], [[-1, 0]], [[-1]])
add(A3 + " em z", "reshape", [[6, 4]], [[24]], [[-1]], [[2, 12]], [[4, 5]], [[2, 3, 2, 2]], [[3, 2, 4]])
add(A2, "reshape", [[12]], [[4, 3]], [[2, 6]], [[3, 2, 2]])
add("z", "reshape", [[]], [[1, 1]])
add("c3 t3", "viewAs", [[6, 4]])
# flatten / unflatten
add(A3 + " z em", "flatten", [], [0, 1], [1, 2], [-2, -1], [0, 0], [2, 1], [0, 3])
add(A3, "unflatten", [1, [3, 1]], [2, [2, 2]], [-1, [2, -1]], [0, [2, 2]], [2, [-1, 2, 1]])
# permute / transpose
add(A3 + " em", "permute", [[2, 0, 1]], [[-1, 0, 1]], [[0, 0, 1]], [[0, 1]], [[1, 0, 2]])
add("z", "permute", [[]])
add(A3, "transpose", [0, 2], [-1, 0], [1, 1], [0, 3])
add("z", "transpose", [0, -1])
add("c3 t3", "swapaxes", [0, 1])
add(A2 + " c1 z", "t")
add("c3", "t")
add(A3 + " c2", "mT")
add("c1", "mT")
add(A3 + " c2 c1 z", "T")
add(A3, "movedim", [0, 2], [-1, 0], [[0, 1], [2, 0]], [[0, 1], [1, 1]], [[0], [1, 2]], [3, 0])
add("p4", "movedim", [[0, 2], [3, 1]])
add("c3", "moveaxis", [0, 2])
# squeeze / unsqueeze
add("q4 qs4 qe4 c3 z em", "squeeze", [], [1], [-1], [0], [4])
add("q4 qs4 qe4", "squeezeL", [[1, 3]], [[0, 1]], [[-1, 1]])
add(A3 + " z em1 c1", "unsqueeze", [0], [-1], [2], [-2], [3], [4])
add("z", "unsqueeze", [-2])
# expand / broadcast
add(A3, "expand", [[2, 2, 3, 4]], [[-1, 3, 4]], [[2, 3, 4]], [[3, 3, 4]], [[-1, 4]], [[2, -1, 4]])
add("e2 c1", "expand", [[2, 3, 4]], [[-1, 5]], [[3, -1]], [[5, 5]])
add("z", "expand", [[2, 3, 4]], [[5, 5]], [[]])
add("e2", "expandAs", [[2, 3, 4]])
add("c1 z", "broadcastTo", [[3, 5]], [[2, 1, 5]], [[4]])
# repeat / tile / repeat_interleave
add(A2 + " c1 z em1", "repeat", [[2, 1]], [[1, 2, 3]], [[2]], [[0, 1]])
add(A3, "repeat", [[1, 2, 1]], [[2, 1, 1, 1]])
add(A2 + " c1 z", "tile", [[2]], [[2, 1]], [[1, 2, 3]], [[]])
add(A2 + " c1 z", "repeatInterleave", [2, None], [2, 0], [3, -1], [0, 0])
add("c2 t2 c1", "repeatInterleaveT", [[1, 0, 2], 0], [[2], -1], [[1, 2, 3, 1], 1], [[1, 2], 0])
add("c1 s1", "repeatInterleaveT", [[1, 0, 2, 1, 3], None], [[1, 0, 2, 1, 3], 0])
# flip / roll
add(A3 + " z em", "flip", [[0]], [[-1]], [[0, 2]], [[]], [[0, 0]], [[3]])
add(A3 + " em", "roll", [1], [-5], [[1, 2], [0, 2]], [2, 1], [-1, -1], [[1], [0, 1]], [30, 2])
add("z", "roll", [1], [1, 0])
# narrow / select / slice
add(A3 + " em", "narrow", [1, 1, 2], [-1, 2, 2], [0, 1, 1], [2, 4, 0], [2, 3, 2], [0, -1, 1])
add(A3, "select", [0, 1], [1, -1], [2, 3], [1, 3], [3, 0])
add("z", "select", [0, 0])
add(A3, "slice", [1, 0, 3, 2], [2, 1, 4, 2], [2, 1, 100, 3], [0, 1, 1, 1], [-1, -3, None, 2])
# split / chunk / tensor_split / unbind
add(A3, "split", [2, 2], [1, 0], [2, 1], [5, 2])
add(A3, "chunk", [3, 2], [2, 1], [4, 2], [2, -1], [5, 0])
add(A3 + " em", "tensorSplit", [3, 2], [[1, 3], 2], [[2, 1], 1], [[0, 5], 2], [2, 0])
add(A3 + " em", "unbind", [0], [1], [-1])
add("z", "unbind", [0])
add("c3", "split", [0, 1])
add("c3", "chunk", [0, 1])
# cat / stack
add(A3 + " em", "cat", [0], [1], [-1], [3])
add(A2 + " c1", "cat", [0], [-1])
add("c3", "cat3", [1], [2])
add("c3 c1", "catLegacyEmpty", [0])
add("c3", "catMismatch", [0, 1], [2, 0])
add("c3", "catEmptyList")
add("z", "catScalar")
add(A3 + " c1 z", "stack", [0], [1], [-1], [3], [4])
add("c3", "stackMismatch", [0])
add("c3", "stackEmptyList")
add("c3 c1 z c2", "hstack")
add("c3 c1 z", "vstack")
add("c2 c1", "dstack")
# tril / triu / diagonal / diag / trace
add(A2 + " m44 t44 s44 c3", "tril", [0], [1], [-1], [-5], [5])
add(A2 + " m44 t44 c3", "triu", [0], [2], [-2])
add("c1", "tril", [0])
add(A2 + " m44 t44 s44", "diagonal", [0, 0, 1], [1, 0, 1], [-1, 0, 1], [1, 1, 0], [5, 0, 1])
add(A3, "diagonal", [0, 0, 2], [1, -1, 0], [0, 1, 2], [-2, 1, 2], [0, 1, 1])
add("c1 s1 c2", "diagEmbed", [0, -2, -1], [1, -2, -1], [-1, 0, 1], [0, 0, 2])
add("c1 s1", "diag", [0], [2], [-1])
add(A2 + " m44 s44", "diag", [0], [1], [-2], [4], [-3])
add("c3", "diag", [0])
add(A2 + " m44 s44 c3", "trace")
# unfold / as_strided
add(A3 + " c1", "unfold", [1, 2, 1], [2, 2, 2], [-1, 3, 1], [0, 3, 1])
add("c2 t2", "asStrided", [[2, 2], [1, 2], 1], [[3], [1], 0])
# contiguous / clone
add(A3 + " z em", "contiguous")
add(A3 + " z em", "clone")
# pad
add("c3 p3 s3 e3", "pad", [[1, 2], "constant", 0.5], [[1, 1, 2, 0], "constant", 0.0], [[-1, 1], "constant", 0.0],
    [[0, 0, -1, -1], "constant", 2.0], [[1, 2, 3, 4, 1, 0], "constant", 0.0])
add("c3 p3 s3 e3", "pad", [[1, 2], "reflect", 0.0], [[1, 2], "replicate", 0.0], [[1, 2], "circular", 0.0],
    [[-1, 2], "circular", 0.0], [[4, 0], "reflect", 0.0], [[3, 3], "replicate", 0.0])
add("c4 p4", "pad", [[1, 1, 1, 0], "reflect", 0.0], [[1, 0, 2, 1], "replicate", 0.0], [[1, 0, 2, 1], "circular", 0.0],
    [[1, 1, 1, 0, 1, 1], "replicate", 0.0])
# meshgrid
add("c1 s1", "meshgrid", ["ij"], ["xy"])
add("c1", "meshgrid3", ["ij"], ["xy"])

# added in session 18 (appended, so the numbers above stay): aliases, the other stacks, atleast_Nd, more unfold and
# as_strided geometry (0-dim, empty, overlapping windows and outputs, an expanded input whose gradient PyTorch's
# as_strided_backward shares out) and their errors
add("c3 t3", "swapdims", [0, 2], [-1, 1])
add("c3 c1 z", "rowStack")
add("c1 z c2 t2 c3", "columnStack")
add("z c1 c2 c3", "atleast1d")
add("z c1 c2 c3", "atleast2d")
add("z c1 c2 t2 c3", "atleast3d")
add("q4 z", "squeezeL", [[1, 1]], [[1, -3]], [[]], [[4]], [[-5, 1]])
add("z", "squeezeL", [[0]], [[-1]], [[1]])
add("z", "unfold", [0, 1, 1], [-1, 1, 5], [0, 0, 1], [0, 2, 1], [1, 1, 1])
add("c3 s2 e2", "unfold", [1, 0, 1], [1, 2, 3], [1, 1, 1], [-1, -1, 1], [1, 2, 0])
add("em", "unfold", [1, 0, 2], [2, 3, 1])
add("c2 t2 s2", "asStrided", [[3, 3], [1, 1], 0], [[2, 2], [0, 1], 2], [[4, 2], [2, 1], 1], [[0, 3], [1, 1], 11])
add("e2", "asStrided", [[3, 2], [1, 1], 0], [[2], [1], 1])
add("c2", "asStrided", [[3, 3], [4, 1], 5], [[2], [-1], 0], [[2, 2], [1], 0], [[2], [1], -1], [[-1], [1], 0])

# session 18 (appended): rot90, fliplr/flipud, diff (prepend/append, n past the size, n = 0), block_diag (0-D, 1-D,
# 2-D blocks), cartesian_prod, combinations, triu/tril_indices
add("c2 t2 s2 c3 p3", "rot90", [1, [0, 1]], [2, [0, 1]], [3, [0, 1]], [-1, [1, 0]], [0, [0, 1]], [5, [-1, 0]])
add("c3", "rot90", [1, [0, 2]], [1, [2, 0]], [1, [0, 0]], [1, [0, 3]], [1, [0, 1, 2]], [1, [-4, 0]])
add("c1", "rot90", [1, [0, 1]])
add("c2 c1 z", "fliplr")
add("c2 c1 z", "flipud")
add("c2 t2 s2 c1 e2", "diff", [1, -1], [2, 1], [1, 0], [3, 0], [5, 1], [0, 1], [-1, 0])
add("z", "diff", [1, 0])
add("c2 t2", "diffPA", [1, 0], [2, 1], [0, 1], [1, -1])
add("c2", "diffBad", [0, [1, 3]], [1, [3, 1, 1]], [0, [1, 4]])
add("c2 t2 c1 z", "blockDiag")
add("c3", "blockDiag")
add("c1 s1", "cartesianProd", [1], [])
add("c2", "cartesianProd", [1])
add("c1 s1", "combinations", [2, 0], [2, 1], [3, 0], [1, 0], [0, 0], [6, 0], [-1, 0])
add("c2", "combinations", [2, 0])
add("z", "triuIndices", [3, 4, 0], [4, 3, 1], [3, 3, -5], [3, 3, 7], [0, 3, 0], [-1, 3, 0], [3, -2, 0])
add("z", "trilIndices", [3, 4, 0], [4, 3, -1], [3, 3, 5], [2, 0, 0], [-1, 3, 0])


def fmt(v):
    if isinstance(v, list):
        return "[" + ",".join(str(e) for e in v) + "]"
    if v is None:
        return "N"
    return str(v)


def run(inp, op, args):
    base_shape, view_fn = INPUTS[inp]
    x = seq(base_shape, xval).requires_grad_()
    lines = []
    try:
        t = view_fn(x)
        out = OPS[op](t, args)
    except Exception as e:
        msg = str(e).strip().split("\n")[0]
        # 2.x messages where 1.13's differ (2.x source checks, see the notes at the top)
        if op == "repeatInterleave" and t.dim() == 0 and args[1] is not None:
            msg = "Dimension out of range (expected to be in range of [-1, 0], but got 1)"  # 2.x: unsqueeze(dim + 1)
        if op == "narrow" and msg.startswith("Dimension out of range"):
            n = t.shape[args[0]]
            msg = "start out of range (expected to be in range of [%d, %d], but got %d)" % (-n, n, args[1])
        if op == "unfold" and args[1] < 0:
            msg = "size is %d but must be >= 0" % args[1]  # 2.x checks the size's sign first
        if op in ("tril", "triu") and t.dim() < 2:
            msg = "%s: input tensor must have at least 2 dimensions" % op
        if msg == "repeats must have the same size as input along dim":  # 2.x adds the sizes
            dim = 0 if args[1] is None else args[1] % t.dim()
            msg += ", but got repeats.size(0) = %d and input.size(%d) = %d" % (len(args[0]), dim,
                                                                             t.reshape(-1).shape[0] if args[1] is None else t.shape[dim])
        return ["error " + msg]
    outs = out if isinstance(out, list) else [out]
    names = []
    for i, o in enumerate(outs):
        fn = o.grad_fn.name() if o.grad_fn is not None else "None"
        if fn == "torch::autograd::CopyBackwards":
            fn = "CopyBackwards"  # the name Ember prints, without PyTorch's C++ namespace (as CopySlices above)
        if op == "squeezeL" and o.grad_fn is not None:
            fn = "SqueezeBackward2"  # 2.x: squeeze.dims
        if fn == "ReshapeAliasBackward0":
            fn = "ViewBackward0"  # 2.x: reshape records a view, _reshape_alias is gone from autograd
        if op == "repeatInterleave" and o.grad_fn is not None:
            fn = NAME_2X[op]
        if op == "diag" and o.grad_fn is not None:
            fn = "DiagEmbedBackward0" if t.dim() == 1 else "DiagonalBackward0_copy"
        if op == "pad" and args[1] == "circular" and o.grad_fn is not None:
            fn = "CopySlices"  # 2.x: _pad_circular copies into slices of a new tensor
        lines.append("out%d shape=%s stride=%s off=%d fn=%s" % (i, fmt(list(o.shape)), fmt(list(o.stride())),
                                                               o.storage_offset(), fn))
        lines.append("val%d %s" % (i, fmt([float(v) for v in o.detach().reshape(-1).tolist()])))
    loss = None
    for i, o in enumerate(outs):
        if o.requires_grad:
            w = seq(tuple(o.shape), lambda k, i=i: wval(k, i))
            term = (o * w).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        try:
            loss.backward()
            lines.append("grad " + (fmt(x.grad.reshape(-1).tolist()) if x.grad is not None else "none"))
        except Exception as e:
            lines.append("grad error " + str(e).strip().split("\n")[0])
    else:
        lines.append("grad none")
    views = []
    for i, o in enumerate(outs):
        if o.numel() == 0:
            views.append("-")
            continue
        before = x.detach().clone()
        with torch.no_grad():
            o.detach().fill_(1000 + i)
        views.append("1" if not torch.equal(before, x.detach()) else "0")
    lines.append("view " + " ".join(views))
    return lines


if __name__ == "__main__":
    for n, (inp, op, args) in enumerate(CASES):
        print(("=== %d %s %s %s" % (n, inp, op, " ".join(fmt(a) for a in args))).rstrip())
        for line in run(inp, op, args):
            print(line)
