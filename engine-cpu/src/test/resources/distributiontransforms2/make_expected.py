# Expected values for DistributionTransforms2Test (read with ReferenceCases): torch.distributions.transforms'
# SoftplusTransform, StickBreakingTransform, LowerCholeskyTransform, CorrCholeskyTransform, ReshapeTransform,
# CumulativeDistributionTransform, CatTransform and StackTransform: forward, inverse and log_abs_det_jacobian on float64
# and float32 inputs (non-contiguous and empty ones for some), and TransformedDistribution's log_prob through
# StickBreakingTransform and CorrCholeskyTransform, each with the grad_fn name of the result and the gradients of
# sum(out * w), w[k] = 1 + 0.5 ((3k) mod 11), with respect to every floating input. Run with /usr/bin/python3
# (PyTorch 1.13; these transforms' formulas and the nodes they end in are unchanged in 2.x).
import torch
from torch.distributions import Normal, TransformedDistribution
from torch.distributions.transforms import (SoftplusTransform, StickBreakingTransform, LowerCholeskyTransform,
                                            CorrCholeskyTransform, ReshapeTransform, CumulativeDistributionTransform,
                                            CatTransform, StackTransform, ExpTransform, AffineTransform)

out = []
NAMES = {torch.float64: 'float64', torch.float32: 'float32'}


def fmt(t):
    t = t.detach()
    vals = [float(v) for v in t.reshape(-1).tolist()]
    return f"{NAMES[t.dtype]} {list(t.shape)} : {vals}".replace('inf', 'Infinity').replace('nan', 'NaN')


def case(name, fn, *inputs):
    ins = [x.clone().requires_grad_(True) for x in inputs]
    out.append(f"=== {name}")
    for i, x in enumerate(ins):
        out.append(f"in{i} {fmt(x)}")
    r = fn(*ins)
    out.append(f"out {fmt(r)}")
    fn = type(r.grad_fn).__name__ if r.grad_fn is not None else 'None'
    # 1.13 records a reshape that is a view as ReshapeAliasBackward0; 2.x records ViewBackward0, which Ember follows
    out.append(f"fn {'ViewBackward0' if fn == 'ReshapeAliasBackward0' else fn}")
    if r.requires_grad:
        w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(r.numel())], dtype=r.dtype).reshape(r.shape)
        gs = torch.autograd.grad((r * w).sum(), ins, allow_unused=True)
        for i, g in enumerate(gs):
            out.append(f"grad{i} " + ("none" if g is None else fmt(g)))


def transforms():
    return {
        'softplus': SoftplusTransform(),
        'stickbreaking': StickBreakingTransform(),
        'lowercholesky': LowerCholeskyTransform(),
        'corrcholesky': CorrCholeskyTransform(),
        'reshape': ReshapeTransform((2, 3), (3, 2)),
        'cdf': CumulativeDistributionTransform(Normal(torch.tensor(0.5), torch.tensor(2.0))),
        'cat': CatTransform([ExpTransform(), AffineTransform(1.0, 2.0)], dim=1, lengths=[1, 2]),
        'catlast': CatTransform([ExpTransform(), SoftplusTransform(), AffineTransform(1.0, -0.5)], dim=-1),
        'stack': StackTransform([ExpTransform(), SoftplusTransform(), AffineTransform(1.0, 2.0)], dim=1),
    }


for dt in (torch.float64, torch.float32):
    d = NAMES[dt]
    x = torch.tensor([[-1.5, -0.25, 0.0], [0.4, 1.2, 3.0]], dtype=dt)
    pos = torch.tensor([[0.2, 0.7, 1.0], [1.6, 2.5, 4.0]], dtype=dt)
    unit = torch.tensor([[0.05, 0.3, 0.5], [0.6, 0.9, 0.99]], dtype=dt)
    simplex = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.05, 0.5, 0.25, 0.2]], dtype=dt)
    square = torch.tensor([[[0.5, 9.0, 9.0], [-1.0, 0.2, 9.0], [0.3, 2.0, -0.7]],
                           [[1.5, 0.0, 0.0], [0.0, -2.0, 0.0], [1.0, 1.0, 1.0]]], dtype=dt)
    lower = torch.tensor([[[0.5, 0.0, 0.0], [-1.0, 0.2, 0.0], [0.3, 2.0, 1.7]],
                          [[1.5, 0.0, 0.0], [0.0, 2.0, 0.0], [1.0, -1.0, 0.25]]], dtype=dt)
    corr = CorrCholeskyTransform()(torch.tensor([[0.3, -0.8, 1.1], [2.0, 0.1, -0.4]], dtype=dt))
    six = torch.arange(-2.0, 2.8, 0.4, dtype=dt).reshape(2, 2, 3)
    ins = {
        'softplus': (x, pos, x), 'stickbreaking': (x, simplex, x), 'lowercholesky': (square, lower, None),
        'corrcholesky': (x, corr, x), 'reshape': (six, six.reshape(2, 3, 2), six), 'cdf': (x, unit, x),
        'cat': (x, torch.tensor([[0.2, -1.0, 0.5], [1.6, 0.0, 3.0]], dtype=dt), x),
        'catlast': (x, pos, x), 'stack': (x, pos, x),
    }
    for k, t in transforms().items():
        fx, iy, lx = ins[k]
        case(f"{k} forward {d}", lambda a, t=t: t(a), fx)
        case(f"{k} inverse {d}", lambda a, t=t: t.inv(a), iy)
        if lx is not None:
            case(f"{k} ladj {d}", lambda a, t=t: t.log_abs_det_jacobian(a, t(a)), lx)
    for k in ('softplus', 'stickbreaking', 'cat', 'stack'):
        t = transforms()[k]
        case(f"{k} forwardnc {d}", lambda a, t=t: t(a.mT), x.mT.contiguous())
        case(f"{k} ladjnc {d}", lambda a, t=t: t.log_abs_det_jacobian(a.mT, t(a.mT)), x.mT.contiguous())
    for k in ('softplus', 'stickbreaking'):
        t = transforms()[k]
        case(f"{k} forward {d} empty", lambda a, t=t: t(a), torch.zeros(0, 3, dtype=dt))
        case(f"{k} ladj {d} empty", lambda a, t=t: t.log_abs_det_jacobian(a, t(a)), torch.zeros(0, 3, dtype=dt))
    case(f"stickbreakingnormal logprob {d}",
         lambda l, s, v: TransformedDistribution(Normal(l, s), [StickBreakingTransform()]).log_prob(v),
         torch.tensor([0.5, -1.0, 0.2], dtype=dt), torch.tensor([1.5, 0.3, 2.0], dtype=dt), simplex)
    case(f"corrcholeskynormal logprob {d}",
         lambda l, s, v: TransformedDistribution(Normal(l, s), [CorrCholeskyTransform()]).log_prob(v),
         torch.tensor([0.5, -1.0, 0.2], dtype=dt), torch.tensor([1.5, 0.3, 2.0], dtype=dt), corr)

with open(__file__.replace('make_expected.py', 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
