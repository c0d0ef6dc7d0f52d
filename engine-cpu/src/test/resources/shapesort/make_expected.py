# Writes expected.txt for ShapeOpsTest and SortOpsTest: shape ops, sorting and scans in PyTorch
# (run: /usr/bin/python3 make_expected.py > expected.txt; the machine has torch 1.13).
#
# Format: "=== key" then lines "name value". A tensor case has lines shape, dtype, values (flattened, Python repr);
# inputs are cases "in.<name>" the tests rebuild; "error <Type> <message>" is a failure (first line of the message).
#
# Where PyTorch 2.x differs from 1.13 (names, messages, behaviour), the case prints the 2.x fact (after checking that
# 1.13 fails or differs as expected) and the comment beside it gives the source:
#   - diag is CompositeImplicitAutograd since PR #87180 (2.0): diag_embed for 1-D, diagonal_copy for 2-D, with the
#     message "diag(): Supports 1D or 2D tensors. Got 3D" (aten/src/ATen/native/TensorShape.cpp).
#   - tril/triu are structured kernels whose meta function checks "tril: input tensor must have at least 2 dimensions".
#   - repeat_interleave(int) composes unsqueeze/expand/clone/flatten (TensorShape.cpp, repeat_interleave_symint):
#     ViewBackward0, and the check "Repeats must be non-negative".
#   - F.pad (aten/src/ATen/native/PadNd.cpp, _pad_enum_symint): "Padding length should be less than or equal to two
#     times the input dimension but got padding length 8 and input of dimension 3"; circular padding of an input
#     without a batch dimension is allowed; reflection and replication check_valid_input (Padding.h) word empty inputs
#     "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but
#     got: [1, 0, 5]" and reflection_pad1d's too-small message reads as replication_pad1d's.
#   - constant_pad_nd crops with narrow, whose 2.x check "narrow(): length must be non-negative." comes first.
#   - searchsorted_pre_check (BucketizationUtils.h) checks "torch.searchsorted(): sorter index out of range".
#   - unflatten with two -1: "unflatten got an unexpected error:" then infer_size's message.
#   - torch.unique on CPU with NaN: 1.13's std::sort with a NaN-unaware comparator returns an unsorted result; the
#     Ember behaviour (NaN sorted last, each NaN its own value, as unique_consecutive treats them) is tested by itself.
#   - histc: "Elements lower than min and higher than max and NaN elements are ignored" (torch.histc's 2.x docs);
#     1.13 counts a NaN into the first bin.
import torch
import torch.nn.functional as F

nan = float('nan')
inf = float('inf')
gen = torch.Generator().manual_seed(14)


def fmt(v):
    if isinstance(v, torch.Tensor):
        return repr(v.flatten().tolist())
    if isinstance(v, torch.Size):
        return repr(list(v))
    return repr(v) if not isinstance(v, str) else v


def case(key, **items):
    print('===', key)
    for k, v in items.items():
        print(k, fmt(v))


def tensor_case(key, t):
    case(key, shape=list(t.shape), dtype=str(t.dtype).replace('torch.', ''), values=t)


def inp(name, t):
    tensor_case('in.' + name, t)
    return t


def out(key, r):
    if isinstance(r, torch.Tensor):
        tensor_case(key, r)
    elif hasattr(r, 'values') and hasattr(r, 'indices'):
        tensor_case(key + '.values', r.values)
        tensor_case(key + '.indices', r.indices)
    elif isinstance(r, (list, tuple)):
        case(key, n=len(r))
        for i, t in enumerate(r):
            out(key + '.' + str(i), t)
    else:
        case(key, value=r)


def err(key, f, msg2x=None, type2x=None):
    try:
        f()
    except Exception as e:
        t = type2x or type(e).__name__
        m = msg2x or str(e).split('\n')[0]
        print('===', key)
        print('error', t, m)
        return
    if msg2x is None:
        raise SystemExit('no error for ' + key)
    print('===', key)
    print('error', type2x or 'RuntimeError', msg2x)


def node_names(*ts):
    return [type(t.grad_fn).__name__ if t.grad_fn is not None else 'None' for t in ts]


def names(key, *ts):
    case(key, names=node_names(*ts))


def grad(key, x, y, w):
    x = x.detach().clone().requires_grad_(True)
    r = y(x)
    r.backward(w)
    tensor_case(key, x.grad)


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=torch.float64) % 7 - 3).reshape(shape) / 4


# ------------------------------------------------------------------ inputs
a = inp('a', torch.randn(5, 7, generator=gen))
b = inp('b', torch.randn(3, 4, 6, generator=gen, dtype=torch.float64))
v = inp('nanv', torch.tensor([3., nan, 1., 3., -0., 0., nan, 2.]))
ties = inp('ties', torch.tensor([[2, 1, 2, 1, 3], [0, 0, 5, 5, 1]]))
zeros = inp('zeros', torch.tensor([[1.5, 0., 2., 0., 3.], [0.5, -2., 3., 1., 0.], [2., 0.5, 4., -1., 1.5]],
                                  dtype=torch.float64))
bools = inp('bools', torch.tensor([True, False, True, True]))
m = inp('m', torch.arange(12).reshape(3, 4))
e = inp('e', torch.zeros(0, 3))
s0 = inp('s0', torch.tensor(2.5))
infs = inp('infs', torch.tensor([[-inf, 0., inf, 1.], [1., nan, 2., -1.]]))
row = inp('row', torch.tensor([4., 1., 3., 1., 5., 9., 2., 6., 5.]))
p1 = inp('p1', torch.arange(10.).reshape(1, 2, 5))
p2 = inp('p2', torch.arange(24.).reshape(2, 3, 4))
p3 = inp('p3', torch.arange(48.).reshape(1, 2, 3, 4, 2))

# ------------------------------------------------------------------ sort, argsort
out('sort.nan', torch.sort(v))
out('sort.nan.desc', torch.sort(v, descending=True))
out('sort.a.dim0', torch.sort(a, 0))
out('sort.a.dim1.desc', torch.sort(a, 1, descending=True))
out('sort.at', torch.sort(a.t(), -1))
out('sort.b.dim1', torch.sort(b, 1))
out('sort.b.dim2.desc', torch.sort(b[:, ::2, 1:], 2, descending=True))
out('sort.ties.desc', torch.sort(ties, dim=1, descending=True, stable=True))
out('sort.bools', torch.sort(bools))
out('sort.empty', torch.sort(e, 1))
out('sort.scalar', torch.sort(s0))
out('argsort.ties', torch.argsort(ties, 1))
out('argsort.ties.desc', torch.argsort(ties, dim=1, descending=True, stable=True))
err('sort.baddim', lambda: torch.sort(a, 2))

# ------------------------------------------------------------------ topk
out('topk.a', torch.topk(a, 3))
out('topk.a.dim0.small', torch.topk(a, 2, 0, largest=False))
out('topk.at', torch.topk(a.t(), 4, 1))
out('topk.nan', torch.topk(v[[0, 1, 2, 5, 7]], 3))
out('topk.k0', torch.topk(a, 0))
out('topk.b', torch.topk(b, 2, 1, largest=False))
err('topk.big', lambda: torch.topk(a, 8))
err('topk.neg', lambda: torch.topk(a, -1))
err('topk.bool', lambda: torch.topk(bools, 1))

# ------------------------------------------------------------------ kthvalue, median, nanmedian, mode
out('kth.a', torch.kthvalue(a, 3))
out('kth.a.dim0.keep', torch.kthvalue(a, 2, 0, keepdim=True))
out('kth.b', torch.kthvalue(b[:, 1:, :], 2, 1))
out('kth.nan', torch.kthvalue(v[[0, 1, 2, 7]], 4))
out('kth.int', torch.kthvalue(torch.tensor([3, 1, 2]), 1))
out('kth.scalar', torch.kthvalue(s0, 1))
err('kth.big', lambda: torch.kthvalue(a, 8))
err('kth.zero', lambda: torch.kthvalue(a, 0))
err('kth.empty', lambda: torch.kthvalue(torch.zeros(0), 1))
err('kth.bool', lambda: torch.kthvalue(bools, 1))
out('median.row', torch.median(row))
out('median.even', torch.median(row[:8]))
out('median.nan', torch.median(v))
out('median.int', torch.median(torch.tensor([3, 1, 2, 8])))
out('median.empty', torch.median(torch.zeros(0)))
out('median.a.dim1', torch.median(a, 1))
out('median.a.dim0.keep', torch.median(a, 0, keepdim=True))
out('median.b', torch.median(b, 2))
out('median.nanrow', torch.median(infs, 1))
err('median.emptydim', lambda: torch.median(torch.zeros(2, 0), 1))
err('median.bool', lambda: torch.median(bools))
err('median.bool.dim', lambda: torch.median(bools, 0))
out('nanmedian.nan', torch.nanmedian(v))
out('nanmedian.allnan', torch.nanmedian(torch.tensor([nan, nan])))
out('nanmedian.rows', torch.nanmedian(torch.tensor([[1., nan, 3., 2.], [nan, nan, nan, nan], [nan, 5., nan, 4.]]), 1))
out('mode.ties', torch.mode(ties, 1))
out('mode.ties.keep', torch.mode(ties, 0, keepdim=True))
out('mode.row', torch.mode(row))
out('mode.bools', torch.mode(bools))
out('mode.float', torch.mode(torch.tensor([[5., 1., 1., 5., 2.], [0.5, 0.5, -1., 2., -1.]]), 1))
err('mode.empty', lambda: torch.mode(torch.zeros(2, 0), 1))

# ------------------------------------------------------------------ unique
u = torch.unique(torch.tensor([3, 1, 2, 1, 3, 7, 1]), return_inverse=True, return_counts=True)
out('unique.int', u)
u = torch.unique(torch.tensor([[2., -0.], [0., 1.5]]), return_inverse=True, return_counts=True)
out('unique.zeros', u)
out('unique.dim0', torch.unique(torch.tensor([[1, 2], [0, 5], [1, 2], [0, 1]]), dim=0, return_inverse=True,
                                return_counts=True))
out('unique.dim1', torch.unique(torch.tensor([[1, 2, 1], [0, 5, 0]]), dim=1, return_inverse=True, return_counts=True))
out('unique.scalar', torch.unique(s0, return_inverse=True, return_counts=True))
out('unique.empty', torch.unique(e, return_inverse=True, return_counts=True))
out('unique.empty.dim0', torch.unique(e, dim=0, return_inverse=True, return_counts=True))
out('unique.bools', torch.unique(bools, return_counts=True))
out('uc.nan', torch.unique_consecutive(torch.tensor([1., 1., nan, nan, 2., 2., 1.]), return_inverse=True,
                                       return_counts=True))
out('uc.dim0', torch.unique_consecutive(torch.tensor([[1, 2], [1, 2], [3, 4], [1, 2]]), dim=0, return_inverse=True,
                                        return_counts=True))
err('unique.dim.scalar', lambda: torch.unique(s0, dim=0))
err('unique.dim.zero', lambda: torch.unique(e, dim=1))
err('unique.baddim', lambda: torch.unique(a, dim=2))

# ------------------------------------------------------------------ scans
out('cumsum.a.dim0', torch.cumsum(a, 0))
out('cumsum.a.dim1', torch.cumsum(a, 1))
out('cumsum.at', torch.cumsum(a.t(), 1))
out('cumsum.int', torch.cumsum(m, 1))
out('cumsum.bools', torch.cumsum(bools, 0))
out('cumsum.empty', torch.cumsum(e, 1))
out('cumsum.scalar', torch.cumsum(s0, 0))
out('cumprod.zeros', torch.cumprod(zeros, 1))
out('cumprod.int', torch.cumprod(m + 1, 0))
out('cumprod.bools', torch.cumprod(bools, 0))
out('cummax.ties', torch.cummax(torch.tensor([1., 3., 2., 3., nan, 5., nan]), 0))
out('cummin.ties', torch.cummin(torch.tensor([1., 0., 2., 0., nan, -5.]), 0))
out('cummax.b', torch.cummax(b, 1))
out('cummin.at', torch.cummin(a.t(), 0))
out('cummax.int', torch.cummax(ties, 1))
out('cummax.bools', torch.cummax(bools, 0))
out('cummax.empty', torch.cummax(e, 1))
out('lcse.infs', torch.logcumsumexp(infs, 1))
out('lcse.b', torch.logcumsumexp(b, 2))
out('lcse.at', torch.logcumsumexp(a.t(), 0))
err('lcse.int', lambda: torch.logcumsumexp(m, 0))
err('cumsum.baddim', lambda: torch.cumsum(a, 2))

# ------------------------------------------------------------------ searchsorted, bucketize, histc, bincount
bd = inp('bd', torch.tensor([1., 2., 2., 3., 5.]))
vals = inp('vals', torch.tensor([[2., 0., 5.], [6., 2.5, 1.]]))
out('ss.left', torch.searchsorted(bd, vals))
out('ss.right', torch.searchsorted(bd, vals, right=True))
out('ss.nd', torch.searchsorted(torch.tensor([[1., 3., 5.], [2., 4., 6.]]), torch.tensor([[3., 0.], [6., 4.5]])))
out('ss.nd.right', torch.searchsorted(torch.tensor([[1, 3, 5], [2, 4, 6]]), torch.tensor([[3, 0], [6, 4]]), right=True))
out('ss.sorter', torch.searchsorted(torch.tensor([3., 1., 2.]), torch.tensor([2., 0., 5.]),
                                    sorter=torch.tensor([1, 2, 0])))
out('ss.nanseq', torch.searchsorted(torch.tensor([1., 2., 2., 3., nan]), torch.tensor([2., 0., 5., nan, 2.5])))
out('ss.scalar', torch.searchsorted(bd, torch.tensor(2.)))
out('ss.empty', torch.searchsorted(torch.zeros(0), torch.tensor([1., 2.])))
out('ss.mixed', torch.searchsorted(bd, torch.tensor([2, 4])))
out('bucketize', torch.bucketize(torch.tensor([[1, 5], [3, 9]]), torch.tensor([1, 3, 5, 7, 9])))
out('bucketize.right', torch.bucketize(torch.tensor([1, 5]), torch.tensor([1, 3, 5]), right=True))
err('ss.shapes', lambda: torch.searchsorted(torch.zeros(2, 3), torch.zeros(3, 1)))
err('ss.scalarnd', lambda: torch.searchsorted(torch.zeros(2, 3), torch.tensor(1.)))
err('ss.seq0d', lambda: torch.searchsorted(torch.tensor(1.), torch.zeros(3)))
err('ss.sortershape', lambda: torch.searchsorted(torch.zeros(3), torch.zeros(2), sorter=torch.zeros(2, dtype=torch.long)))
err('ss.sortertype', lambda: torch.searchsorted(torch.zeros(3), torch.zeros(2), sorter=torch.zeros(3)))
# 2.x: searchsorted_pre_check's range check (1.13 reads out of bounds instead)
err('ss.sorterrange', lambda: torch.searchsorted(torch.zeros(3), torch.zeros(2), sorter=torch.tensor([0, 1, 5])),
    msg2x='torch.searchsorted(): sorter index out of range', type2x='RuntimeError')
err('ss.bool', lambda: torch.searchsorted(torch.tensor([False, True]), torch.tensor([True])))
err('bucketize.2d', lambda: torch.bucketize(torch.zeros(3), torch.zeros(2, 2)))
hx = inp('hx', torch.tensor([1., 2., 1., 4., 0., 3., -1., 2.9999]))
out('histc.range', torch.histc(hx, bins=4, min=0, max=3))
out('histc.data', torch.histc(hx, bins=5))
out('histc.one', torch.histc(torch.tensor([2., 2.]), bins=3))
out('histc.f64', torch.histc(b, bins=7, min=-1, max=1))
out('histc.a', torch.histc(a.t(), bins=6))
out('histc.empty', torch.histc(torch.zeros(0), bins=3))
# 2.x docs: NaN elements are ignored (1.13 puts one into the first bin)
assert torch.histc(torch.tensor([1., 2., 1., 4., nan]), bins=4, min=0, max=3).tolist() == [1., 2., 1., 0.]
case('histc.nan', shape=[4], dtype='float32', values=[0., 2., 1., 0.])
err('histc.bins', lambda: torch.histc(hx, bins=0))
err('histc.minmax', lambda: torch.histc(hx, bins=3, min=2, max=1))
err('histc.nanrange', lambda: torch.histc(torch.tensor([1., nan]), bins=3))
err('histc.infrange', lambda: torch.histc(torch.tensor([1., inf]), bins=3))
err('histc.int', lambda: torch.histc(m, bins=3))
out('bincount', torch.bincount(torch.tensor([1, 1, 4, 0, 4, 4])))
out('bincount.w32', torch.bincount(torch.tensor([1, 1, 4]), weights=torch.tensor([.5, .25, 1.])))
out('bincount.w64', torch.bincount(torch.tensor([1, 1, 4]), weights=torch.tensor([.5, .25, 1.], dtype=torch.float64)))
out('bincount.wint', torch.bincount(torch.tensor([1, 1, 4]), weights=torch.tensor([1, 2, 3])))
out('bincount.min', torch.bincount(torch.tensor([1, 2]), minlength=5))
out('bincount.empty', torch.bincount(torch.zeros(0, dtype=torch.long), minlength=3))
err('bincount.2d', lambda: torch.bincount(torch.zeros(2, 2, dtype=torch.long)))
err('bincount.neg', lambda: torch.bincount(torch.tensor([1, -1])))
err('bincount.float', lambda: torch.bincount(torch.tensor([1., 2.])))
err('bincount.minlength', lambda: torch.bincount(torch.tensor([1]), minlength=-1))
err('bincount.weights', lambda: torch.bincount(torch.tensor([1, 2]), weights=torch.tensor([1.])))

# ------------------------------------------------------------------ sorting and scans: nodes and gradients
x = b.detach().clone().requires_grad_(True)
names('names.sort', torch.sort(x, 1)[0], torch.sort(x, dim=1, stable=True)[0], torch.topk(x, 2)[0],
      torch.kthvalue(x, 2)[0], torch.median(x), torch.median(x, 1)[0], torch.nanmedian(x), torch.nanmedian(x, 1)[0],
      torch.mode(x, 1)[0], torch.unique(x), torch.unique(x, dim=0), torch.unique_consecutive(x),
      torch.cumsum(x, 1), torch.cumprod(x, 1), torch.cummax(x, 1)[0], torch.cummin(x, 1)[0],
      torch.logcumsumexp(x, 1))
grad('grad.sort', b, lambda t: torch.sort(t, 1, descending=True)[0], weights(b.shape))
grad('grad.topk', b, lambda t: torch.topk(t, 2, 2)[0], weights([3, 4, 2]))
grad('grad.kth', b, lambda t: torch.kthvalue(t, 2, 0)[0], weights([4, 6]))
grad('grad.median', b, lambda t: torch.median(t, 1, keepdim=True)[0], weights([3, 1, 6]))
md = torch.tensor([[1., 2., 2.], [3., 2., 0.]], dtype=torch.float64)
grad('grad.medianall', md, lambda t: torch.median(t), torch.tensor(2., dtype=torch.float64))
grad('grad.mode', md, lambda t: torch.mode(t, 1)[0], torch.tensor([1., -2.], dtype=torch.float64))
grad('grad.cumsum', b, lambda t: torch.cumsum(t, 2), weights(b.shape))
grad('grad.cumprod', zeros, lambda t: torch.cumprod(t, 1), weights(zeros.shape))
grad('grad.cumprod.nozero', b, lambda t: torch.cumprod(t, 1), weights(b.shape))
grad('grad.cummax', zeros, lambda t: torch.cummax(t, 1)[0], weights(zeros.shape))
grad('grad.cummin', b, lambda t: torch.cummin(t, 0)[0], weights(b.shape))
grad('grad.lcse', b, lambda t: torch.logcumsumexp(t, 1), weights(b.shape))

# ------------------------------------------------------------------ split, chunk, unbind, tensor_split
out('split.2', m.split(2, 1))
out('split.big', m.split(5, 0))
out('split.sizes', m.split([1, 0, 3], 1))
out('split.empty', torch.zeros(0, 2).split(0))
out('chunk.5', m.chunk(5, 0))
out('chunk.3', m.chunk(3, 1))
out('chunk.empty', e.chunk(2, 0))
out('unbind.1', m.unbind(1))
out('tsplit.3', torch.arange(7).tensor_split(3))
out('tsplit.more', torch.arange(2).tensor_split(4))
out('tsplit.idx', m.tensor_split([1, 5, 2], 1))
out('tsplit.neg', m.tensor_split([-1], 1))
err('split.zero', lambda: m.split(0))
err('split.neg', lambda: m.split(-1))
err('split.scalar', lambda: s0.split(1))
err('split.sum', lambda: m.split([1, 1]))
err('split.negsize', lambda: m.split([4, -1], 1))
err('chunk.zero', lambda: m.chunk(0))
err('chunk.scalar', lambda: s0.chunk(1))
err('unbind.scalar', lambda: s0.unbind(0))
err('tsplit.zero', lambda: m.tensor_split(0))
err('tsplit.scalar', lambda: s0.tensor_split(1))

# ------------------------------------------------------------------ repeat, tile, repeat_interleave
out('repeat.lead', m.repeat(2, 1, 2))
out('repeat.t', m.t().repeat(1, 2))
out('repeat.zero', m.repeat(0, 2))
out('repeat.scalar', s0.repeat(2, 2))
out('tile.short', m.tile((2,)))
out('tile.long', torch.arange(3).tile((2, 1, 2)))
out('ri.flat', m.repeat_interleave(2))
out('ri.dim1', m.t().repeat_interleave(3, 1))
out('ri.zero', m.repeat_interleave(0, 0))
out('ri.scalar', s0.repeat_interleave(3))
err('repeat.few', lambda: m.repeat(2))
err('repeat.neg', lambda: m.repeat(2, -1))
# 2.x: repeat_interleave(int) checks "Repeats must be non-negative" (1.13: "repeats can not be negative")
err('ri.neg', lambda: m.repeat_interleave(-1), msg2x='Repeats must be non-negative')

# ------------------------------------------------------------------ flip, roll, movedim, unflatten
out('flip.01', m.flip(0, 1))
out('flip.b', b[:, ::2].flip(-1, 0))
out('flip.none', m.flip([]))
out('flip.scalar', s0.flip(0))
out('roll.flat', m.roll(1))
out('roll.flat.big', m.roll(-13))
out('roll.dims', m.roll((1, -1), (0, 1)))
out('roll.t', m.t().roll(2, 0))
out('roll.empty', e.roll(1, 0))
out('roll.scalar', s0.roll(1))
out('movedim.1', b.movedim(0, 2))
out('movedim.multi', torch.arange(120).reshape(2, 3, 4, 5).movedim([0, 1], [3, 0]))
out('unflatten', m.unflatten(1, (2, -1)))
out('unflatten.t', m.t().unflatten(0, (2, 2)))
err('flip.dup', lambda: m.flip(0, -2))
err('flip.dim', lambda: m.flip(2))
err('roll.align', lambda: m.roll((1, 2), (0,)))
err('roll.none', lambda: m.roll((), ()))
err('movedim.len', lambda: m.movedim([0, 1], [0]))
err('movedim.dup', lambda: m.movedim([0, 0], [0, 1]))
err('movedim.dupdst', lambda: m.movedim([0, 1], [1, 1]))
err('unflatten.bad', lambda: m.unflatten(1, (3, 2)))
err('unflatten.empty', lambda: m.unflatten(1, ()))
err('unflatten.two', lambda: m.unflatten(1, (-1, -1)))

# ------------------------------------------------------------------ triangles and diagonals
out('tril', m.tril())
out('tril.neg', m.tril(-1))
out('triu.2', torch.arange(24).reshape(2, 3, 4).triu(2))
out('triu.float.t', a.t().triu(-2))
out('tril.bool', torch.ones(3, 4, dtype=torch.bool).tril(1))
out('tril.far', m.tril(10))
out('triu.far', m.triu(10))
out('diag.vec', torch.arange(3).diag())
out('diag.vec.off', torch.arange(3).diag(-2))
out('diag.mat', m.diag())
out('diag.mat.off', m.diag(1))
# 2.x: diag of a matrix is diagonal_copy, empty past the corner (1.13 fails with "numel: integer multiplication overflow")
out('diag.mat.far', m.diagonal(-5).clone())
out('diagonal', m.diagonal())
out('diagonal.neg', m.diagonal(-1))
out('diagonal.3d', torch.arange(24).reshape(2, 3, 4).diagonal(1, 2, 0))
out('diag_embed', torch.arange(6).reshape(2, 3).diag_embed())
out('diag_embed.dims', torch.arange(6).reshape(2, 3).diag_embed(1, 0, 2))
out('trace', m.trace())
out('trace.float', a.trace())
err('tril.1d', lambda: torch.zeros(3).tril(), msg2x='tril: input tensor must have at least 2 dimensions',
    type2x='RuntimeError')
err('triu.1d', lambda: torch.zeros(3).triu(), msg2x='triu: input tensor must have at least 2 dimensions',
    type2x='RuntimeError')
err('diag.3d', lambda: b.diag(), msg2x='diag(): Supports 1D or 2D tensors. Got 3D')
err('diagonal.same', lambda: m.diagonal(0, 1, -1))
err('diagonal.1d', lambda: torch.zeros(3).diagonal())
err('diag_embed.same', lambda: m.diag_embed(0, 1, 1))
err('trace.1d', lambda: torch.zeros(3).trace())
err('trace.bool', lambda: bools.trace())

# ------------------------------------------------------------------ outer, kron, meshgrid, broadcasting
out('outer', torch.outer(torch.arange(3.), torch.tensor([1., -2.])))
out('outer.mixed', torch.outer(torch.arange(3), torch.tensor([0.5, 2.])))
out('kron', torch.kron(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[0, 1], [1, 0]])))
out('kron.ranks', torch.kron(torch.arange(3.), m.float()))
out('kron.scalar', torch.kron(s0, torch.tensor([1., 2.])))
out('meshgrid.ij', torch.meshgrid(torch.arange(2), torch.arange(3), torch.tensor(5), indexing='ij'))
out('meshgrid.xy', torch.meshgrid(torch.arange(2), torch.arange(3), torch.arange(4), indexing='xy'))
out('broadcast_to', m[:, :1].broadcast_to(2, 3, 4))
out('broadcast_tensors', torch.broadcast_tensors(m, torch.arange(4), torch.zeros(2, 1, 1, dtype=torch.long)))
case('broadcast_shapes', value=list(torch.broadcast_shapes((3, 1), (1, 5), (), (2, 1, 1))))
err('outer.2d', lambda: torch.outer(m, torch.zeros(3)))
err('outer.2d.b', lambda: torch.outer(torch.zeros(3), m))
err('meshgrid.2d', lambda: torch.meshgrid(torch.zeros(3), m.float(), indexing='ij'))
err('meshgrid.indexing', lambda: torch.meshgrid(torch.zeros(3), torch.zeros(2), indexing='ab'))
err('meshgrid.dtypes', lambda: torch.meshgrid(torch.zeros(3), torch.zeros(2, dtype=torch.long), indexing='ij'))
err('meshgrid.empty', lambda: torch.meshgrid([], indexing='ij'))
err('broadcast_to.bad', lambda: m.broadcast_to(3, 5))
err('broadcast_tensors.bad', lambda: torch.broadcast_tensors(m, torch.zeros(5)))
err('broadcast_shapes.bad', lambda: torch.broadcast_shapes((3, 4), (5,)))
err('broadcast_shapes.neg', lambda: torch.broadcast_shapes((3, -4), (5,)))

# ------------------------------------------------------------------ F.pad
out('pad.const', F.pad(p1, (2, 1)))
out('pad.const.2d', F.pad(p2, (1, 0, -1, 2), value=-1.5))
out('pad.const.neg', F.pad(p1, (-1, -2)))
out('pad.const.int', F.pad(m, (1, 1, 1, 0), value=7))
out('pad.const.3d', F.pad(p2, (1, 1, 1, 1, 1, 1)))
out('pad.reflect', F.pad(p1, (2, 3), 'reflect'))
out('pad.reflect.neg', F.pad(p1, (2, -3), 'reflect'))
out('pad.reflect.neg2', F.pad(p1, (-2, 3), 'reflect'))
out('pad.reflect.2d', F.pad(p2, (3, 1, 2, 1), 'reflect'))
out('pad.reflect.3d', F.pad(p3, (1, 1, 1, 2, 1, 0), 'reflect'))
out('pad.replicate', F.pad(p1, (3, 1), 'replicate'))
out('pad.replicate.neg', F.pad(p1, (2, -3), 'replicate'))
out('pad.replicate.2d', F.pad(p2, (2, 1, 1, 3), 'replicate'))
out('pad.replicate.3d', F.pad(p3, (0, 2, 1, 1, 2, 1), 'replicate'))
out('pad.circular', F.pad(p1, (2, 4), 'circular'))
out('pad.circular.neg', F.pad(p1, (-1, 3), 'circular'))
out('pad.circular.neg2', F.pad(p1, (3, -1), 'circular'))
out('pad.circular.3d', F.pad(p3, (1, 1, 2, 1, 1, 2), 'circular'))
out('pad.circular.int', F.pad(m.reshape(1, 3, 4), (1, 2), 'circular'))
err('pad.odd', lambda: F.pad(p1, (1,)))
err('pad.long', lambda: F.pad(p1, (1, 1, 1, 1, 1, 1, 1, 1)), msg2x='Padding length should be less than or equal to '
    'two times the input dimension but got padding length 8 and input of dimension 3')
err('pad.mode', lambda: F.pad(p1, (1, 1), 'xyz'))
err('pad.value', lambda: F.pad(p1, (1, 1), 'reflect', 1.0))
err('pad.reflect.big', lambda: F.pad(p1, (5, 1), 'reflect'))
err('pad.reflect.big2d', lambda: F.pad(p2, (1, 1, 3, 1), 'reflect'))
err('pad.reflect.1d', lambda: F.pad(torch.zeros(5), (1, 1), 'reflect'))
err('pad.replicate.small', lambda: F.pad(p1, (-6, 1), 'replicate'))
err('pad.replicate.empty', lambda: F.pad(torch.zeros(1, 0, 5), (1, 1), 'replicate'))
err('pad.reflect.empty', lambda: F.pad(torch.zeros(1, 0, 5), (1, 1), 'reflect'), msg2x='Expected 2D or 3D (batch mode) '
    'tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 0, 5]')
err('pad.reflect.int', lambda: F.pad(m.reshape(1, 3, 4), (1, 1), 'reflect'))
err('pad.replicate.int', lambda: F.pad(m.reshape(1, 3, 4), (1, 1), 'replicate'))
err('pad.circular.big', lambda: F.pad(p1, (6, 1), 'circular'))
err('pad.const.empty', lambda: F.pad(torch.zeros(0, 3), (1, 1, 0, 0)))
err('pad.const.crop', lambda: F.pad(p1, (-3, -3)), msg2x='narrow(): length must be non-negative.')

# ------------------------------------------------------------------ shape ops: nodes and gradients
x = b.detach().clone().requires_grad_(True)
y = x[0].detach().clone().requires_grad_(True)
shape_names = node_names(*x.split(2, 1), *x.split([1, 3], 1), *x.chunk(2, 1), *x.unbind(1), *x.tensor_split(3, 2),
                         x.repeat(2, 1, 1), x.tile((2,)), x.flip(0), x.roll(1, 0), x.roll(1), x.movedim(0, 1),
                         x.unflatten(1, (2, 2)), y.tril(), y.triu(1), y[0].diag(), x.diagonal(), x.diag_embed(),
                         y.trace(), y[0].outer(y[1]), torch.kron(y, y), *torch.meshgrid(y[0], y[1], indexing='ij'),
                         y[0].broadcast_to(2, 6), F.pad(x, (1, 1)), F.pad(x, (1, 1), 'reflect'),
                         F.pad(x, (1, 1, 1, 1), 'reflect'), F.pad(x, (1, 1), 'replicate'),
                         F.pad(x, (1, 1, 1, 1), 'replicate'), F.pad(x, (1, 1), 'circular'))
# 2.x: diag of a vector is diag_embed (DiagEmbedBackward0; 1.13: DiagBackward0)
assert shape_names[22] == 'DiagBackward0'
shape_names[22] = 'DiagEmbedBackward0'
case('names.shape', names=shape_names)
# 2.x names where they differ from 1.13: repeat_interleave(int) ends in a view of a contiguous clone of an expand
# (ViewBackward0; 1.13: IndexSelectBackward0), diag of a matrix is diagonal_copy (DiagonalBackward0_copy; 1.13:
# DiagBackward0), a reshape that copies is _unsafe_view of a clone (UnsafeViewBackward0 over CloneBackward0) and one
# that can view is a view (ViewBackward0; 1.13: ReshapeAliasBackward0).
case('names.shape2x', names=['ViewBackward0', 'DiagonalBackward0_copy', 'UnsafeViewBackward0', 'CloneBackward0',
                             'ViewBackward0'])
grad('grad.split', b, lambda t: torch.cat([p * (i + 1) for i, p in enumerate(t.split(3, 2))], 2), weights(b.shape))
grad('grad.repeat', b, lambda t: t[:, 1:3].repeat(2, 1, 2, 1), weights([2, 3, 4, 6]))
grad('grad.ri', b, lambda t: t.repeat_interleave(2, 1), weights([3, 8, 6]))
grad('grad.flip', b, lambda t: t.flip(0, 2), weights(b.shape))
grad('grad.roll', b, lambda t: t.roll((2, -1), (2, 0)), weights(b.shape))
grad('grad.tril', b, lambda t: t.tril(1), weights(b.shape))
grad('grad.diag', b[0], lambda t: t.diag(1), weights([4]))
grad('grad.diag_embed', b[0], lambda t: t.diag_embed(-1, 0, 2), weights([7, 4, 7]))
grad('grad.trace', b[0], lambda t: t.trace(), torch.tensor(1.5, dtype=torch.float64))
grad('grad.kron', b[0, :2, :3], lambda t: torch.kron(t, torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64)),
     weights([4, 6]))
# batch dimensions in front (1.13's circular and 3-D padding need them)
for mode, pads, wshape in [('constant', (2, -1, 1, 1), [1, 3, 6, 7]), ('reflect', (2, 3, 1, 2), [1, 3, 7, 11]),
                           ('reflect', (-2, 3), [3, 4, 7]), ('replicate', (3, 1, 2, 0), [1, 3, 6, 10]),
                           ('replicate', (2, -3, 0, 1), [1, 3, 5, 5]), ('circular', (2, 4, -1, 2), [1, 3, 5, 12]),
                           ('reflect', (1, 0, 2, 1, 1, 1), [1, 1, 5, 7, 7]),
                           ('replicate', (0, 2, 1, 1, 2, 0), [1, 1, 5, 6, 8])]:
    grad('grad.pad.' + mode + '.' + '_'.join(str(q) for q in pads), b,
         lambda t: F.pad(t.reshape([1] * (len(pads) // 2 - 1) + [3, 4, 6]), pads, mode), weights(wshape))
