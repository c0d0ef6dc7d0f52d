# Writes expected.txt: PyTorch's results for the reductions of issue 14, read by ReductionsTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU)
# Each case is a block "=== key" with lines "dtype <torch dtype>", "shape <list>", "values <flat list>" and, for the
# differentiable ones, "grad <flat list>" (the input's gradient for an upstream gradient of 0.5, 1, 1.5, ... over the
# output); a failing case is "=== key" and "error <ExceptionType> <message>".
# Inputs are built by formulas ReductionsTest mirrors (base, prod_values, with_nans, layouts "c" contiguous, "t" a
# permuted non-contiguous view, "b" a broadcast view with stride 0, "e" empty).
#
# Versions: Ember follows PyTorch 2.x; these values are 1.13's except where noted:
# - Tensor.norm is linalg.vector_norm in 2.x (torch/functional.py norm() calls torch.linalg.vector_norm for numeric p
#   and for "fro"), node LinalgVectorNormBackward0 and its errors ("linalg.vector_norm: Expected a floating point or
#   complex tensor as input. Got Long"); 1.13's norm is NormBackward1 with its own messages. The norm cases below call
#   torch.linalg.vector_norm, which 2.x's Tensor.norm is.
# - logsumexp over an empty list of dims reduces every dimension in 2.x (1.13 fails with a shape error); those cases
#   are computed with every dim listed.
# - var_backward when N - correction <= 0 over all elements: 2.x gives grad * where(self == mean, nan, inf)
#   (torch/csrc/autograd/FunctionsManual.cpp var_backward); 1.13's Python API has no var(correction=) without dims, so
#   that case is written out from 2.x's formula below.
import math
import torch

torch.set_default_dtype(torch.float32)
inf, nan = math.inf, math.nan
DTYPES = {'float32': torch.float32, 'float64': torch.float64, 'int64': torch.int64, 'bool': torch.bool}


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def base(shape, seed, dtype):
    """((i * 7 + seed) % 11 - 5) / 4: quarters in [-1.25, 1.25] with ties, exact in every floating type."""
    v = [((i * 7 + seed) % 11 - 5) * 0.25 for i in range(numel(shape))]
    t = torch.tensor(v, dtype=torch.float64).reshape(shape)
    return t.to(DTYPES[dtype]) if dtype != 'int64' else (t * 4).to(torch.int64)


PROD_VALUES = [0.5, 1.0, -1.0, 2.0, 0.0, -0.5, 1.5, 0.0, 3.0, -2.0, 0.25]


def prod_values(shape, seed, dtype):
    """Products stay exact: halves, ones, twos and zeros (slices with no, one and two zeros)."""
    v = [PROD_VALUES[(i * 5 + seed) % len(PROD_VALUES)] for i in range(numel(shape))]
    return torch.tensor(v, dtype=torch.float64).reshape(shape).to(DTYPES[dtype])


def with_nans(t):
    flat = t.clone().reshape(-1)
    for i in range(flat.numel()):
        if i % 5 == 2:
            flat[i] = nan
    return flat.reshape(t.shape)


def layout(make, shape, seed, dtype, kind):
    if kind == 'c':
        return make(shape, seed, dtype)
    if kind == 't':  # the same shape, as a permuted view of a reversed-shape tensor
        rev = list(reversed(shape))
        return make(rev, seed, dtype).permute(*reversed(range(len(shape))))
    if kind == 'b':  # the first dimension broadcast
        return make([1] + list(shape[1:]), seed, dtype).expand(*shape)
    raise ValueError(kind)


def fmt(t):
    return repr(t.detach().reshape(-1).tolist()) if t.numel() > 0 else '[]'


def up_like(y):
    return (torch.arange(y.numel(), dtype=torch.float64) * 0.5 + 0.5).reshape(y.shape).to(y.dtype)


def emit(key, make_input, f, grad=True):
    print('=== ' + key)
    try:
        x = make_input()
        if grad and x.dtype.is_floating_point:
            x = x.detach().clone().requires_grad_(True)
        y = f(x)
        if isinstance(y, tuple):
            y = y[0]
        print('dtype ' + str(y.dtype).replace('torch.', ''))
        print('shape ' + repr(list(y.shape)))
        print('values ' + fmt(y))
        if grad and x.requires_grad and y.requires_grad:
            y.backward(up_like(y))
            print('grad ' + (fmt(x.grad) if x.grad is not None else 'none'))
    except (RuntimeError, IndexError, ValueError) as e:
        print('error %s %s' % (type(e).__name__, str(e).split('\n')[0]))


def dims_key(dims):
    return 'all' if dims is None else ','.join(str(d) for d in dims) if dims else 'none'


SHAPE = [2, 3, 4]
LAYOUTS = ['c', 't', 'b']

# prod over one dim
for dt in ('float32', 'float64'):
    for kind in LAYOUTS:
        for dim in (0, 1, -1):
            for keep in (False, True):
                emit('prod|%s|%s|%d|%s' % (dt, kind, dim, keep), lambda: layout(prod_values, SHAPE, 3, dt, kind),
                     lambda x: x.prod(dim, keepdim=keep))
emit('prod|int64', lambda: base([3, 4], 1, 'int64'), lambda x: x.prod(1))
emit('prod|bool', lambda: torch.tensor([[True, False], [True, True]]), lambda x: x.prod(0))
emit('prod|empty', lambda: torch.zeros(2, 0), lambda x: x.prod(1))
emit('prod|scalar', lambda: torch.tensor(2.5), lambda x: x.prod(0))
emit('prod|dim_error', lambda: torch.zeros(2, 3), lambda x: x.prod(5))

# amax / amin
AMAX_DIMS = [None, (0,), (1, 2), (-1,), (2, 0)]
for name in ('amax', 'amin'):
    f = getattr(torch, name)
    for dt in ('float32', 'float64'):
        for kind in LAYOUTS:
            for dims in AMAX_DIMS:
                for keep in (False, True):
                    emit('%s|%s|%s|%s|%s' % (name, dt, kind, dims_key(dims), keep), lambda: layout(base, SHAPE, 2, dt, kind),
                         lambda x: f(x, dims if dims is not None else (), keepdim=keep))
        emit('%s|%s|nan' % (name, dt), lambda: with_nans(base(SHAPE, 2, dt)), lambda x: f(x, (1,)))
    emit('%s|int64' % name, lambda: base(SHAPE, 2, 'int64'), lambda x: f(x, (0, 2)))
    emit('%s|bool' % name, lambda: torch.tensor([[True, False], [False, False]]), lambda x: f(x, (1,)))
    emit('%s|empty_error' % name, lambda: torch.zeros(0, 3), lambda x: f(x, (0,)))
    emit('%s|empty_ok' % name, lambda: torch.zeros(0, 3), lambda x: f(x, (1,)))
    emit('%s|dup_error' % name, lambda: torch.zeros(2, 3), lambda x: f(x, (0, -2)))

# var / std and var_mean / std_mean
VAR_DIMS = [None, (0,), (1, 2), (-1,)]
for name in ('var', 'std', 'var_mean', 'std_mean'):
    f = getattr(torch, name)
    for dt in ('float32', 'float64'):
        for kind in ('c', 't'):
            for dims in VAR_DIMS:
                for corr in (0, 1, 2):
                    for keep in (False, True):
                        if dims is None and keep:
                            continue
                        if dims is None:
                            g = (lambda x: f(x, unbiased=True)) if corr == 1 else (lambda x: f(x, dim=(0, 1, 2), correction=corr))
                        else:
                            g = (lambda x: f(x, dim=dims, correction=corr, keepdim=keep))
                        emit('%s|%s|%s|%s|%d|%s' % (name, dt, kind, dims_key(dims), corr, keep),
                             lambda: layout(base, SHAPE, 5, dt, kind), g)
    emit('%s|int_error' % name, lambda: base([3], 1, 'int64'), lambda x: f(x, dim=(0,)))
# the mean part of var_mean and std_mean, and their gradients through the mean
for name in ('var_mean', 'std_mean'):
    f = getattr(torch, name)
    emit('%s|mean|float64|c|1|False' % name, lambda: base(SHAPE, 5, 'float64'), lambda x: f(x, dim=(1,), correction=1)[1])
    emit('%s|mean|float64|c|all' % name, lambda: base(SHAPE, 5, 'float64'), lambda x: f(x)[1])
# var over all elements with N <= correction: 2.x's var_backward (see the note above) written out
print('=== var|dof0')
x = torch.tensor([0.5, 1.0, 1.5], dtype=torch.float64)  # var with correction 3: the sum of squares over max(0, 3 - 3)
print('dtype float64')
print('shape []')
print('values ' + repr([inf]))
g = torch.tensor(0.5, dtype=torch.float64)
print('grad ' + fmt(g * torch.where(x == x.mean(), torch.tensor(nan, dtype=torch.float64), torch.tensor(inf, dtype=torch.float64))))
emit('var|dims_dof_negative', lambda: torch.tensor([[1.0, 2.0]]), lambda x: x.var(1, correction=3))

# logsumexp
for dt in ('float32', 'float64'):
    for kind in LAYOUTS:
        for dims in [(0,), (1, 2), (-1,), (0, 1, 2)]:
            for keep in (False, True):
                emit('logsumexp|%s|%s|%s|%s' % (dt, kind, dims_key(dims), keep), lambda: layout(base, SHAPE, 4, dt, kind),
                     lambda x: torch.logsumexp(x * 8, dims, keepdim=keep))
emit('logsumexp|inf', lambda: torch.tensor([[-inf, -inf], [inf, 1.0], [nan, 1.0]]), lambda x: torch.logsumexp(x, 1))
emit('logsumexp|int64', lambda: torch.tensor([[1, 2], [3, 4]]), lambda x: torch.logsumexp(x, 1))
emit('logsumexp|empty', lambda: torch.zeros(0, 3), lambda x: torch.logsumexp(x, 0))
emit('logsumexp|empty1', lambda: torch.zeros(0, 3), lambda x: torch.logsumexp(x, 1))
emit('logsumexp|dim_error', lambda: torch.zeros(2), lambda x: torch.logsumexp(x, 3))

# vector norms (Tensor.norm in 2.x)
ORDS = [2.0, 1.0, inf, -inf, 0.0, 3.0, 0.5, -1.0, 1.5]
for dt in ('float32', 'float64'):
    for kind in LAYOUTS:
        for o in ORDS:
            for dims in (None, (1,), (0, 2)):
                for keep in (False, True):
                    if dims is None and keep:
                        continue
                    emit('vector_norm|%s|%s|%s|%s|%s' % (dt, kind, o, dims_key(dims), keep),
                         lambda: layout(base, SHAPE, 6, dt, kind), lambda x: torch.linalg.vector_norm(x, o, dims, keep))
for o in ORDS:
    emit('vector_norm|zeros|%s' % o, lambda: torch.zeros(2, 3), lambda x: torch.linalg.vector_norm(x, o, (1,)))
emit('vector_norm|int_error', lambda: torch.tensor([3, 4]), lambda x: torch.linalg.vector_norm(x))
emit('vector_norm|empty_inf_error', lambda: torch.zeros(0, 3), lambda x: torch.linalg.vector_norm(x, inf))
emit('vector_norm|empty_neg_error', lambda: torch.zeros(0, 3), lambda x: torch.linalg.vector_norm(x, -1.0))
emit('vector_norm|empty_dim_error', lambda: torch.zeros(2, 0), lambda x: torch.linalg.vector_norm(x, inf, (1,)))
emit('vector_norm|empty_ok', lambda: torch.zeros(2, 0), lambda x: torch.linalg.vector_norm(x, inf, (0,)))
emit('vector_norm|empty_2', lambda: torch.zeros(0, 3), lambda x: torch.linalg.vector_norm(x))

# matrix norms
for dt in ('float32', 'float64'):
    for kind in ('c', 't'):
        for o in ('fro', 1.0, -1.0, inf, -inf):
            for dims in ((-2, -1), (0, 2), (2, 0)):
                for keep in (False, True):
                    emit('matrix_norm|%s|%s|%s|%s|%s' % (dt, kind, o, dims_key(dims), keep),
                         lambda: layout(base, SHAPE, 7, dt, kind), lambda x: torch.linalg.matrix_norm(x, o, dims, keep))
emit('matrix_norm|1d_error', lambda: torch.ones(3), lambda x: torch.linalg.matrix_norm(x))
emit('matrix_norm|order_error', lambda: torch.ones(3, 3), lambda x: torch.linalg.matrix_norm(x, 3.0))
emit('matrix_norm|order_str_error', lambda: torch.ones(3, 3), lambda x: torch.linalg.matrix_norm(x, 'abc'))
emit('matrix_norm|same_dims_error', lambda: torch.ones(3, 3), lambda x: torch.linalg.matrix_norm(x, 'fro', (0, -2)))
emit('matrix_norm|dims_error', lambda: torch.ones(3, 3, 3), lambda x: torch.linalg.matrix_norm(x, 'fro', (0, 1, 2)))
emit('matrix_norm|int_error', lambda: torch.ones(3, 3, dtype=torch.int64), lambda x: torch.linalg.matrix_norm(x))
emit('matrix_norm|empty_1', lambda: torch.zeros(0, 3), lambda x: torch.linalg.matrix_norm(x, 1.0))
emit('matrix_norm|empty_inf_error', lambda: torch.zeros(0, 3), lambda x: torch.linalg.matrix_norm(x, inf))

# any / all / count_nonzero
for name in ('any', 'all'):
    f = getattr(torch, name)
    for dt in ('float32', 'int64', 'bool'):
        for dims in ((0,), (1,), (-1,)):
            for keep in (False, True):
                emit('%s|%s|%s|%s' % (name, dt, dims_key(dims), keep),
                     lambda: (base([3, 4], 1, 'float64').abs() > 0.6).to(DTYPES[dt]) if dt == 'bool' else
                     base([3, 4], 1, dt) * (base([3, 4], 2, dt) > 0), lambda x: f(x, dims[0], keepdim=keep), grad=False)
    emit('%s|nan' % name, lambda: torch.tensor([[nan, 0.0], [0.0, 0.0]]), lambda x: f(x, 1), grad=False)
    emit('%s|empty' % name, lambda: torch.zeros(2, 0), lambda x: f(x, 1), grad=False)
for dims in ((), (0,), (1,), (0, 1)):
    emit('count_nonzero|%s' % dims_key(dims), lambda: base([3, 4], 1, 'float32') * (base([3, 4], 2, 'float32') > 0),
         lambda x: torch.count_nonzero(x, dims), grad=False)

# nansum / nanmean
for name in ('nansum', 'nanmean'):
    f = getattr(torch, name)
    for dt in ('float32', 'float64'):
        for kind in ('c', 't'):
            for dims in (None, (0,), (1, 2)):
                for keep in (False, True):
                    if dims is None and keep:
                        continue
                    g = (lambda x: f(x)) if dims is None else (lambda x: f(x, dims, keepdim=keep))
                    emit('%s|%s|%s|%s|%s' % (name, dt, kind, dims_key(dims), keep),
                         lambda: with_nans(layout(base, SHAPE, 8, dt, kind).contiguous()), g)
    emit('%s|all_nan' % name, lambda: torch.tensor([[nan, nan], [1.0, nan]]), lambda x: f(x, (1,)))
emit('nansum|int64', lambda: base([3, 4], 1, 'int64'), lambda x: torch.nansum(x, (1,)))
emit('nanmean|int_error', lambda: base([3, 4], 1, 'int64'), lambda x: torch.nanmean(x))

# sum with a dtype
emit('sum_dtype|int64_f32', lambda: base([3, 4], 1, 'int64'), lambda x: x.sum(1, dtype=torch.float32), grad=False)
emit('sum_dtype|int64_f64_all', lambda: base([3, 4], 1, 'int64'), lambda x: x.sum(dtype=torch.float64), grad=False)
emit('sum_dtype|bool_int64', lambda: torch.tensor([[True, False], [True, True]]), lambda x: x.sum(0, dtype=torch.int64),
     grad=False)
emit('sum_dtype|f32_f64', lambda: base([3, 4], 1, 'float32'), lambda x: x.sum((0, 1), keepdim=True, dtype=torch.float64))
emit('sum_dtype|f64_f32', lambda: base([3, 4], 1, 'float64'), lambda x: x.sum(dtype=torch.float32))

# max / min / argmax / argmin over a dim: ties (the first index) and NaN (the first NaN)
TIES = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0], [nan, 1.0, nan, 5.0]]
for name in ('max', 'min'):
    for dim in (0, 1):
        emit('%s_values|%d' % (name, dim), lambda: torch.tensor(TIES), lambda x: getattr(x, name)(dim)[0])
        emit('%s_indices|%d' % (name, dim), lambda: torch.tensor(TIES), lambda x: getattr(x, name)(dim)[1], grad=False)
        emit('arg%s|%d' % (name, dim), lambda: torch.tensor(TIES), lambda x: getattr(x, 'arg' + name)(dim), grad=False)
    emit('%s_all|ties' % name, lambda: torch.tensor([[1.0, 3.0], [3.0, -2.0]]), lambda x: getattr(x, name)())
