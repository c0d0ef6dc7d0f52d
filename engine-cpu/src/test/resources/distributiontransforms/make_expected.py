# Expected values for DistributionTransformsTest (read with ReferenceCases): torch.distributions.transforms' forward,
# inverse and log_abs_det_jacobian on float64 and float32 inputs, and TransformedDistribution's log_prob / cdf / icdf
# (a tanh-squashed Normal as SAC uses it, an affine-of-exp chain, a negative and a tensor scale, an event_dim=1 affine
# over a batched Normal), each with the grad_fn name of the result and the gradients of sum(out * w),
# w[k] = 1 + 0.5 ((3k) mod 11), with respect to every floating input. Run with /usr/bin/python3 (PyTorch 1.13; these
# transforms' formulas are unchanged in 2.x).
import torch
from torch.distributions import Normal, TransformedDistribution
from torch.distributions.transforms import (ExpTransform, AffineTransform, SigmoidTransform, TanhTransform,
                                            PowerTransform, AbsTransform, SoftmaxTransform, ComposeTransform,
                                            IndependentTransform)

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
    out.append(f"fn {type(r.grad_fn).__name__ if r.grad_fn is not None else 'None'}")
    if r.requires_grad:
        w = torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(r.numel())], dtype=r.dtype).reshape(r.shape)
        gs = torch.autograd.grad((r * w).sum(), ins, allow_unused=True)
        for i, g in enumerate(gs):
            out.append(f"grad{i} " + ("none" if g is None else fmt(g)))


def transforms():
    return {
        'exp': ExpTransform(),
        'affine': AffineTransform(2.0, -3.0),
        'affine2': AffineTransform(0.5, 0.25, event_dim=1),
        'sigmoid': SigmoidTransform(),
        'tanh': TanhTransform(),
        'power': PowerTransform(2.5),
        'compose': ComposeTransform([AffineTransform(0.5, 2.0), ExpTransform()]),
        'inverseexp': ExpTransform().inv,
        'independentexp': IndependentTransform(ExpTransform(), 1),
    }


for dt in (torch.float64, torch.float32):
    d = NAMES[dt]
    x = torch.tensor([[-1.5, -0.25, 0.0], [0.4, 1.2, 3.0]], dtype=dt)
    pos = torch.tensor([[0.2, 0.7, 1.0], [1.6, 2.5, 4.0]], dtype=dt)
    unit = torch.tensor([[0.05, 0.3, 0.5], [0.6, 0.9, 0.99]], dtype=dt)
    signed = torch.tensor([[-0.95, -0.3, 0.0], [0.25, 0.7, 0.9]], dtype=dt)
    for k, t in transforms().items():
        xin = pos if k in ('power',) else x
        yin = {'exp': pos, 'sigmoid': unit, 'tanh': signed, 'power': pos, 'compose': pos, 'inverseexp': x,
               'independentexp': pos}.get(k, x)
        case(f"{k} forward {d}", lambda a, t=t: t(a), xin)
        case(f"{k} inverse {d}", lambda a, t=t: t.inv(a), yin)
        case(f"{k} ladj {d}", lambda a, t=t: t.log_abs_det_jacobian(a, t(a)), pos if k == 'inverseexp' else xin)
    # non-contiguous (a transposed view) and empty inputs
    for k in ('exp', 'tanh', 'sigmoid', 'affine', 'compose', 'independentexp', 'softmax'):
        t = transforms().get(k, SoftmaxTransform())
        case(f"{k} forwardnc {d}", lambda a, t=t: t(a.mT), x)
        case(f"{k} forward {d} empty", lambda a, t=t: t(a), torch.zeros(0, 3, dtype=dt))
        if k != 'softmax':
            case(f"{k} ladjnc {d}", lambda a, t=t: t.log_abs_det_jacobian(a.mT, t(a.mT)), x)
            if k != 'independentexp':  # PyTorch's _sum_rightmost reshapes to (0, -1), which fails on empty inputs
                case(f"{k} ladj {d} empty", lambda a, t=t: t.log_abs_det_jacobian(a, t(a)), torch.zeros(0, 3, dtype=dt))
    case(f"abs forward {d}", lambda a: AbsTransform()(a), x)
    case(f"abs inverse {d}", lambda a: AbsTransform().inv(a), pos)
    case(f"softmax forward {d}", lambda a: SoftmaxTransform()(a), x)
    case(f"softmax inverse {d}", lambda a: SoftmaxTransform().inv(a), unit)
    case(f"affinetensor forward {d}", lambda a, l, s: AffineTransform(l, s)(a), x,
         torch.tensor([0.5, -1.0, 2.0], dtype=dt), torch.tensor([[1.5], [-0.5]], dtype=dt))
    case(f"affinetensor ladj {d}", lambda a, l, s: AffineTransform(l, s).log_abs_det_jacobian(a, AffineTransform(l, s)(a)),
         x, torch.tensor([0.5, -1.0, 2.0], dtype=dt), torch.tensor([[1.5], [-0.5]], dtype=dt))
    case(f"affinetensorevent ladj {d}",
         lambda a, l, s: AffineTransform(l, s, event_dim=1).log_abs_det_jacobian(a, AffineTransform(l, s, event_dim=1)(a)),
         x, torch.tensor([0.5, -1.0, 2.0], dtype=dt), torch.tensor([1.5, -0.5, 3.0], dtype=dt))
    case(f"powertensor forward {d}", lambda a, e: PowerTransform(e)(a), pos, torch.tensor([0.5, 2.0, 3.0], dtype=dt))
    case(f"powertensor ladj {d}", lambda a, e: PowerTransform(e).log_abs_det_jacobian(a, PowerTransform(e)(a)), pos,
         torch.tensor([0.5, 2.0, 3.0], dtype=dt))

    loc = torch.tensor([0.3, -0.8, 1.1], dtype=dt)
    scale = torch.tensor([0.5, 1.3, 0.9], dtype=dt)
    sq = torch.tensor([[-0.9, 0.2, 0.75], [0.1, -0.5, 0.995]], dtype=dt)
    case(f"tanhnormal logprob {d}", lambda l, s, v: TransformedDistribution(Normal(l, s), [TanhTransform()]).log_prob(v),
         loc, scale, sq)
    case(f"tanhaffinenormal logprob {d}",
         lambda l, s, v: TransformedDistribution(Normal(l, s), [TanhTransform(), AffineTransform(0.0, 2.0)]).log_prob(v),
         loc, scale, sq * 2)
    chain = lambda l, s: TransformedDistribution(Normal(l, s), [ExpTransform(), AffineTransform(1.0, 2.0)])
    v = torch.tensor([[1.5, 2.0, 4.0], [1.1, 7.5, 3.0]], dtype=dt)
    q = torch.tensor([[0.1, 0.5, 0.9], [0.01, 0.3, 0.75]], dtype=dt)
    case(f"affineexp logprob {d}", lambda l, s, a: chain(l, s).log_prob(a), loc, scale, v)
    case(f"affineexp cdf {d}", lambda l, s, a: chain(l, s).cdf(a), loc, scale, v)
    case(f"affineexp icdf {d}", lambda l, s, a: chain(l, s).icdf(a), loc, scale, q)
    neg = lambda l, s: TransformedDistribution(Normal(l, s), [ExpTransform(), AffineTransform(1.0, -2.0)])
    case(f"negaffineexp logprob {d}", lambda l, s, a: neg(l, s).log_prob(a), loc, scale, 2 - v)
    case(f"negaffineexp cdf {d}", lambda l, s, a: neg(l, s).cdf(a), loc, scale, 2 - v)
    case(f"negaffineexp icdf {d}", lambda l, s, a: neg(l, s).icdf(a), loc, scale, q)
    tsc = torch.tensor([2.0, -0.5, 1.5], dtype=dt)
    tens = lambda l, s, c: TransformedDistribution(Normal(l, s), [AffineTransform(torch.zeros(3, dtype=dt), c)])
    case(f"tensoraffine cdf {d}", lambda l, s, c, a: tens(l, s, c).cdf(a), loc, scale, tsc, x)
    case(f"tensoraffine icdf {d}", lambda l, s, c, a: tens(l, s, c).icdf(a), loc, scale, tsc, q)
    ev = lambda l, s, c: TransformedDistribution(Normal(l, s), [AffineTransform(torch.ones(3, dtype=dt), c, event_dim=1)])
    case(f"eventaffine logprob {d}", lambda l, s, c, a: ev(l, s, c).log_prob(a), loc, scale, tsc, x)
    case(f"sigmoidnormal logprob {d}",
         lambda l, s, a: TransformedDistribution(Normal(l, s), SigmoidTransform()).log_prob(a), loc, scale, unit)

with open(__file__.replace('make_expected.py', 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
