# Expected values for AutogradFunctionalTest and RnnUtilsTest, from PyTorch (run with /usr/bin/python3, PyTorch 1.13):
#   torch.autograd.functional jacobian/hessian/vjp/jvp/hvp/vhp on fixed inputs (values, strict errors, create_graph),
#   torch.nn.utils.rnn pad_sequence / pack_padded_sequence / pad_packed_sequence / pack_sequence (values, nodes,
#   gradients, errors).
# Each case: '=== key' then lines 'name dtype [shape] : values', 'node Name', 'flag value', or one
# 'error Type message' line. 1.13 has no pad_sequence(padding_side=...) (added in 2.5): its left padding is written
# here by the 2.x C++ rule (out.narrow(0, max_len - len, len) per sequence), and its bad-side message is 2.x's.
import torch
from torch.autograd import functional as AF
from torch.nn.utils import rnn

out = []


def case(key):
    out.append('=== ' + key)


def t(name, x):
    x = x.detach()
    vals = ' '.join(repr(float(v)) if x.dtype.is_floating_point else str(int(v)) for v in x.reshape(-1).tolist())
    out.append('%s %s [%s] : %s' % (name, str(x.dtype).replace('torch.', ''), ', '.join(str(s) for s in x.shape), vals))


def err(key, fn):
    case(key)
    try:
        fn()
    except Exception as e:
        out.append('error %s %s' % (type(e).__name__, str(e).split('\n')[0]))
    else:
        raise AssertionError('no error for ' + key)


def node(x):
    out.append('node ' + (type(x.grad_fn).__name__ if x.grad_fn is not None else 'None'))


def flag(name, v):
    out.append('%s %s' % (name, v))


X = torch.tensor([[0.3, -0.7, 1.1], [0.5, 0.2, -1.3]], dtype=torch.float64)
Y = torch.tensor([0.4, -0.9, 1.7], dtype=torch.float64)
V23 = torch.tensor([[1.5, -0.5, 0.25], [2.0, -1.0, 0.75]], dtype=torch.float64)
V3 = torch.tensor([0.6, -1.2, 0.8], dtype=torch.float64)


def F1(x):
    return (x * x).sin() * x.sum()


def F2(x, y):
    return (x * y).tanh() + y.pow(3)


def S1(x):
    return (x.exp() * x.sin()).sum()


def S2(x, y):
    return (x * y).sin().sum() + (x * x * y).sum()


def LINS(x):
    return (2 * x).sum()


def IND(x, y):
    return x.exp()


def CONST(x):
    return x.detach().exp()


case('inputs')
t('x', X)
t('y', Y)
t('v23', V23)
t('v3', V3)

for dt in (torch.float64, torch.float32):
    n = str(dt).replace('torch.', '')
    x = X.to(dt)
    case('jac.f1.' + n)
    t('jac', AF.jacobian(F1, x))
    case('jac.f2.' + n)
    jx, jy = AF.jacobian(F2, (x, Y.to(dt)))
    t('jx', jx)
    t('jy', jy)
case('jac.f1.vectorize')
t('jac', AF.jacobian(F1, X, vectorize=True))
case('jac.ind')
jx, jy = AF.jacobian(IND, (X, Y))
t('jx', jx)
t('jy', jy)
case('jac.const')
t('jac', AF.jacobian(CONST, X))
err('jac.ind.strict', lambda: AF.jacobian(IND, (X, Y), strict=True))
err('jac.const.strict', lambda: AF.jacobian(CONST, X, strict=True))
err('jac.vectorize.strict', lambda: AF.jacobian(F1, X, strict=True, vectorize=True))
case('jac.nograph')
j = AF.jacobian(F1, X.clone().requires_grad_())
flag('requires_grad', j.requires_grad)
case('jac.createGraph')
xr = X.clone().requires_grad_()
j = AF.jacobian(F1, xr, create_graph=True)
flag('requires_grad', j.requires_grad)
t('jac', j)
t('grad', torch.autograd.grad(j.sum(), xr)[0])

case('hess.s1')
t('hess', AF.hessian(S1, X))
case('hess.s1.vectorize')
t('hess', AF.hessian(S1, X, vectorize=True))
case('hess.s2')
h = AF.hessian(S2, (X, Y))
for i in range(2):
    for k in range(2):
        t('h%d%d' % (i, k), h[i][k])
err('hess.lin.strict', lambda: AF.hessian(LINS, X, strict=True))
case('hess.lin')
t('hess', AF.hessian(LINS, X))
err('hess.nonscalar', lambda: AF.hessian(F1, X))
case('hess.createGraph')
xr = X.clone().requires_grad_()
h = AF.hessian(S1, xr, create_graph=True)
flag('requires_grad', h.requires_grad)
t('grad', torch.autograd.grad(h.sum(), xr)[0])

case('vjp.f1')
o, p = AF.vjp(F1, X, V23)
t('out', o)
t('vjp', p)
case('vjp.f2')
o, p = AF.vjp(F2, (X, Y), V23)
t('out', o)
t('vjp0', p[0])
t('vjp1', p[1])
case('vjp.s1')
o, p = AF.vjp(S1, X)
t('out', o)
t('vjp', p)
case('vjp.ind')
o, p = AF.vjp(IND, (X, Y), V23)
t('vjp1', p[1])
err('vjp.ind.strict', lambda: AF.vjp(IND, (X, Y), V23, strict=True))
err('vjp.noV', lambda: AF.vjp(F1, X))
err('vjp.badV', lambda: AF.vjp(F1, X, V3))
case('vjp.createGraph')
xr = X.clone().requires_grad_()
o, p = AF.vjp(F1, xr, V23, create_graph=True)
flag('requires_grad', p.requires_grad)
t('grad', torch.autograd.grad(p.sum(), xr)[0])

case('jvp.f1')
o, p = AF.jvp(F1, X, V23)
t('out', o)
t('jvp', p)
case('jvp.f2')
o, p = AF.jvp(F2, (X, Y), (V23, V3))
t('out', o)
t('jvp', p)
err('jvp.ind.strict', lambda: AF.jvp(IND, (X, Y), (V23, V3), strict=True))
err('jvp.badV', lambda: AF.jvp(F2, (X, Y), (V23,)))
err('jvp.badVsize', lambda: AF.jvp(F2, (X, Y), (V23, V23)))
err('jvp.noV', lambda: AF.jvp(F1, X))
case('jvp.createGraph')
xr = X.clone().requires_grad_()
o, p = AF.jvp(F1, xr, V23, create_graph=True)
flag('requires_grad', p.requires_grad)
t('grad', torch.autograd.grad(p.sum(), xr)[0])

for name, fn in (('hvp', AF.hvp), ('vhp', AF.vhp)):
    case(name + '.s1')
    o, p = fn(S1, X, V23)
    t('out', o)
    t('prod', p)
    case(name + '.s2')
    o, p = fn(S2, (X, Y), (V23, V3))
    t('out', o)
    t('prod0', p[0])
    t('prod1', p[1])
    err(name + '.nonscalar', lambda: fn(F1, X, V23))
    err(name + '.lin.strict', lambda: fn(LINS, X, V23, strict=True))
    case(name + '.lin')
    o, p = fn(LINS, X, V23)
    t('prod', p)
    case(name + '.createGraph')
    xr = X.clone().requires_grad_()
    o, p = fn(S1, xr, V23, create_graph=True)
    flag('requires_grad', p.requires_grad)
    t('grad', torch.autograd.grad((p * p).sum(), xr)[0])

# edge cases: a non-contiguous input, a 0-dim input and output, an empty input, an empty output
case('jac.f1.transposed')
t('jac', AF.jacobian(F1, X.t()))
case('hess.scalar')
t('hess', AF.hessian(lambda x: x.exp() * x.sin(), torch.tensor(0.7, dtype=torch.float64)))
case('jac.emptyInput')
t('jac', AF.jacobian(lambda x: x.sum(), torch.zeros(0, dtype=torch.float64)))
err('jac.emptyOutput', lambda: AF.jacobian(lambda x: x.exp(), torch.zeros(0, dtype=torch.float64)))

# ---------------------------------------------------------------- rnn utils
A = torch.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=torch.float64)
B = torch.tensor([[0.7, 0.8]], dtype=torch.float64)
C = torch.tensor([[0.9, 1.0], [1.1, 1.2]], dtype=torch.float64)
case('seqs')
t('a', A)
t('b', B)
t('c', C)


def pad_left(seqs, batch_first, value):
    # the 2.x C++ rule (PyTorch 1.13 has no padding_side)
    max_len = max(s.size(0) for s in seqs)
    dims = [len(seqs), max_len] if batch_first else [max_len, len(seqs)]
    o = torch.full(dims + list(seqs[0].shape[1:]), value, dtype=seqs[0].dtype)
    for i, s in enumerate(seqs):
        start = max_len - s.size(0)
        if batch_first:
            o.select(0, i).narrow(0, start, s.size(0)).copy_(s)
        else:
            o.narrow(0, start, s.size(0)).select(1, i).copy_(s)
    return o


for side in ('right', 'left'):
    for bf in (False, True):
        for value in (0.0, -1.5):
            seqs = [s.clone().requires_grad_() for s in (A, B, C)]
            p = rnn.pad_sequence(seqs, batch_first=bf, padding_value=value) if side == 'right' else pad_left(seqs, bf, value)
            case('pad.%s.%s.%s' % (side, bf, value))
            t('out', p)
            node(p)
            w = torch.arange(p.numel(), dtype=torch.float64).reshape(p.shape) / 10
            gs = torch.autograd.grad((p * w).sum(), seqs)
            for k, g in enumerate(gs):
                t('g%d' % k, g)
case('pad.zeroLength')
t('out', rnn.pad_sequence([A, torch.zeros(0, 2, dtype=torch.float64)], padding_value=3.0))
err('pad.mismatch', lambda: rnn.pad_sequence([A, torch.ones(1, 3, dtype=torch.float64)]))
err('pad.zeroDim', lambda: rnn.pad_sequence([torch.tensor(1.0), A]))
err('pack.oneDim', lambda: rnn.pack_padded_sequence(torch.ones(3), torch.tensor([3])))
err('pad.empty', lambda: rnn.pad_sequence([]))
case('pad.badside')
out.append('error RuntimeError Expected padding_side to be one of left or right, but got middle.')

P = torch.arange(18, dtype=torch.float64).reshape(3, 3, 2) / 10  # T x B x 2
for bf in (False, True):
    for lengths, sort in (([3, 2, 1], True), ([3, 2, 2], True), ([1, 3, 2], False), ([2, 2, 3], False)):
        key = 'pack.%s.%s.%s' % (bf, '_'.join(map(str, lengths)), sort)
        inp = P.clone().requires_grad_()
        pk = rnn.pack_padded_sequence(inp, torch.tensor(lengths), batch_first=bf, enforce_sorted=sort)
        case(key)
        t('data', pk.data)
        node(pk.data)
        t('batch_sizes', pk.batch_sizes)
        flag('sorted', 'None' if pk.sorted_indices is None else ' '.join(map(str, pk.sorted_indices.tolist())))
        flag('unsorted', 'None' if pk.unsorted_indices is None else ' '.join(map(str, pk.unsorted_indices.tolist())))
        w = torch.arange(pk.data.numel(), dtype=torch.float64).reshape(pk.data.shape) / 7
        t('grad', torch.autograd.grad((pk.data * w).sum(), inp)[0])
        for bf2 in (False, True):
            for value, total in ((0.0, None), (-2.0, 5)):
                inp = P.clone().requires_grad_()
                pk = rnn.pack_padded_sequence(inp, torch.tensor(lengths), batch_first=bf, enforce_sorted=sort)
                o, ln = rnn.pad_packed_sequence(pk, batch_first=bf2, padding_value=value, total_length=total)
                case('unpack.%s.%s.%s.%s' % (key[5:], bf2, value, total))
                t('out', o)
                node(o)
                t('lengths', ln)
                w = torch.arange(o.numel(), dtype=torch.float64).reshape(o.shape) / 9
                t('grad', torch.autograd.grad((o * w).sum(), inp)[0])
err('pack.unsorted', lambda: rnn.pack_padded_sequence(P, torch.tensor([2, 3, 1])))
err('pack.badlen', lambda: rnn.pack_padded_sequence(P, torch.tensor([3, 2])))
err('pack.zero', lambda: rnn.pack_padded_sequence(P, torch.tensor([3, 2, 0])))
err('pack.empty', lambda: rnn.pack_padded_sequence(torch.zeros(0, 3, 2), torch.tensor([0, 0, 0])))
err('unpack.total', lambda: rnn.pad_packed_sequence(rnn.pack_padded_sequence(P, torch.tensor([3, 2, 1])), total_length=2))
for sort in (True, False):
    seqs = [s.clone().requires_grad_() for s in (A, C, B)]
    pk = rnn.pack_sequence(seqs, enforce_sorted=sort)
    case('packseq.%s' % sort)
    t('data', pk.data)
    node(pk.data)
    t('batch_sizes', pk.batch_sizes)
    flag('sorted', 'None' if pk.sorted_indices is None else ' '.join(map(str, pk.sorted_indices.tolist())))
    w = torch.arange(pk.data.numel(), dtype=torch.float64).reshape(pk.data.shape) / 7
    gs = torch.autograd.grad((pk.data * w).sum(), seqs)
    for k, g in enumerate(gs):
        t('g%d' % k, g)
seqs = [s.clone() for s in (A, B, C)]
err('packseq.unsorted', lambda: rnn.pack_sequence(seqs))

# ---------------------------------------------------------------- convert_parameters, get_submodule/parameter/buffer
torch.manual_seed(0)
M = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
case('model')
for k, v in M.state_dict().items():
    if v.dtype.is_floating_point:
        t(k, v)
vec = torch.nn.utils.parameters_to_vector(M.parameters())
case('p2v')
t('vec', vec)
node(vec)
new = torch.arange(vec.numel(), dtype=torch.float32) / 4
torch.nn.utils.vector_to_parameters(new, M.parameters())
case('v2p')
for k, v in M.named_parameters():
    t(k, v)
err('v2p.short', lambda: torch.nn.utils.vector_to_parameters(torch.zeros(3), M.parameters()))
case('v2p.long')
torch.nn.utils.vector_to_parameters(torch.arange(100, dtype=torch.float32), M.parameters())
for k, v in M.named_parameters():
    t(k, v)
for target in ['0.weight', '1.running_mean', '2', '0.foo', '0.weight.x', 'foo.bar', '', '1']:
    for f in ('get_submodule', 'get_parameter', 'get_buffer'):
        key = '%s.%s' % (f, target)
        case(key)
        try:
            r = getattr(M, f)(target)
            out.append('value ' + type(r).__name__)
        except AttributeError as e:
            out.append('error AttributeError ' + str(e))

with open(__file__.replace('make_expected.py', 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
