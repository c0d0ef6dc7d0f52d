# Expected values for DistributionsTest: torch.distributions' log_prob, cdf, icdf, entropy, mean, mode, variance,
# stddev, enumerate_support and kl_divergence at fixed parameters and values, with the gradients of sum(log_prob(value))
# and of sum(kl) with respect to each floating parameter. Run with /usr/bin/python3 (PyTorch 1.13; the formulas used
# here are unchanged in 2.x, whose values these are too).
# Each case: "=== <dist> <label>", "in<i> dtype [shape] : values" (parameters), "value ..." / "q ..." (inputs),
# then "<property> dtype [shape] : values" and "glp<i>" / "gkl<i>" gradients ("none" where no gradient reached).
import torch
from torch.distributions import (Normal, Bernoulli, Categorical, Uniform, Exponential, Laplace, LogNormal,
                                 OneHotCategorical, Independent, MultivariateNormal, Gamma, Beta, Dirichlet, Poisson,
                                 Geometric, Binomial)
from torch.distributions.kl import kl_divergence

torch.set_printoptions(precision=17)
out = []


def fmt(t):
    t = t.detach()
    dt = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int64', torch.bool: 'bool'}[t.dtype]
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return f"{dt} {list(t.shape)} : {[float(v) if t.is_floating_point() else v for v in vals]}".replace('inf', 'Infinity').replace('nan', 'NaN')


def case(name, ctor, params, value=None, q=None, props=('mean', 'mode', 'variance', 'stddev', 'entropy')):
    ins = [p.clone().requires_grad_(p.is_floating_point()) for p in params]
    d = ctor(*ins)
    out.append(f"=== {name}")
    for i, p in enumerate(ins):
        out.append(f"in{i} {fmt(p)}")
    for prop in props:
        try:
            v = getattr(d, prop)
            v = v() if callable(v) else v
        except NotImplementedError:
            continue
        out.append(f"{prop} {fmt(v)}")
    if value is not None:
        out.append(f"value {fmt(value)}")
        lp = d.log_prob(value)
        out.append(f"logprob {fmt(lp)}")
        gs = torch.autograd.grad(lp.sum(), [p for p in ins if p.requires_grad], allow_unused=True)
        k = 0
        for i, p in enumerate(ins):
            if p.requires_grad:
                out.append(f"glp{i} " + ("none" if gs[k] is None else fmt(gs[k])))
                k += 1
        try:
            out.append(f"cdf {fmt(d.cdf(value))}")
        except NotImplementedError:
            pass
    if q is not None:
        out.append(f"q {fmt(q)}")
        out.append(f"icdf {fmt(d.icdf(q))}")
    if d.has_enumerate_support and not (isinstance(d, Binomial) and 'support' not in name):
        out.append(f"support {fmt(d.enumerate_support())}")


def kl(name, ctor_p, ctor_q, params):
    ins = [p.clone().requires_grad_(True) for p in params]
    k = len(ins) // 2
    r = kl_divergence(ctor_p(*ins[:k]), ctor_q(*ins[k:]))
    out.append(f"=== kl {name}")
    for i, p in enumerate(ins):
        out.append(f"in{i} {fmt(p)}")
    out.append(f"out {fmt(r)}")
    finite = torch.where(torch.isfinite(r), r, torch.zeros_like(r))
    gs = torch.autograd.grad(finite.sum(), ins, allow_unused=True)
    for i, g in enumerate(gs):
        out.append(f"gkl{i} " + ("none" if g is None else fmt(g)))


d64 = torch.float64
T = lambda v, dt=d64: torch.tensor(v, dtype=dt)

case("normal f64", Normal, [T([0.5, -1.0, 2.0]), T([1.5, 0.3, 2.0])], value=T([0.25, -1.5, 4.0]), q=T([0.1, 0.5, 0.9]))
case("normal f32 broadcast", Normal, [T([[0.5], [-1.0]], torch.float32), T([1.5, 0.3, 2.0], torch.float32)],
     value=T([[0.25, -1.5, 4.0], [1.0, 0.0, -2.0]], torch.float32), q=T([0.1, 0.5, 0.9], torch.float32))
case("bernoulli probs", lambda p: Bernoulli(probs=p), [T([0.2, 0.5, 0.9, 0.7])], value=T([0.0, 1.0, 1.0, 0.0]))
case("bernoulli logits", lambda l: Bernoulli(logits=l), [T([-1.5, 0.0, 2.5])], value=T([1.0, 0.0, 1.0]))
case("categorical probs", lambda p: Categorical(probs=p), [T([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]])],
     value=torch.tensor([2, 1]), props=('mode', 'entropy'))
case("categorical logits", lambda l: Categorical(logits=l), [T([[0.5, -1.0, 2.0, 0.0], [1.0, 1.0, -3.0, 0.5]])],
     value=torch.tensor([[0, 3], [2, 1]]).t().contiguous(), props=('mode', 'entropy'))
case("uniform", Uniform, [T([0.0, -2.0, 1.0]), T([1.0, 3.0, 1.5])], value=T([0.25, 0.0, 1.2]), q=T([0.1, 0.5, 0.9]),
     props=('mean', 'variance', 'stddev', 'entropy'))
case("exponential", Exponential, [T([0.5, 2.0, 3.5])], value=T([0.25, 1.0, 0.0]), q=T([0.1, 0.5, 0.9]))
case("laplace", Laplace, [T([0.5, -1.0, 2.0]), T([1.5, 0.3, 2.0])], value=T([0.25, -1.5, 4.0]), q=T([0.1, 0.5, 0.9]))
case("lognormal", LogNormal, [T([0.5, -1.0, 0.2]), T([0.5, 0.3, 1.0])], value=T([0.25, 1.5, 4.0]), q=T([0.1, 0.5, 0.9]))
case("onehot", lambda p: OneHotCategorical(probs=p), [T([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]])],
     value=T([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), props=('mean', 'mode', 'variance', 'entropy'))
case("independent normal", lambda l, s: Independent(Normal(l, s), 1), [T([[0.5, -1.0, 2.0], [0.0, 1.0, 0.5]]),
     T([[1.5, 0.3, 2.0], [1.0, 0.5, 0.25]])], value=T([[0.25, -1.5, 4.0], [0.0, 0.0, 0.0]]),
     props=('mean', 'mode', 'variance', 'entropy'))

kl("normal", Normal, Normal, [T([0.5, -1.0]), T([1.5, 0.3]), T([0.0, 1.0]), T([1.0, 2.0])])
kl("bernoulli", lambda p: Bernoulli(probs=p), lambda p: Bernoulli(probs=p), [T([0.2, 0.5, 0.9]), T([0.4, 0.5, 0.1])])
kl("categorical", lambda p: Categorical(probs=p), lambda p: Categorical(probs=p),
   [T([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]), T([[0.4, 0.4, 0.2], [0.3, 0.3, 0.4]])])
kl("uniform", Uniform, Uniform, [T([0.0, 0.0]), T([1.0, 2.0]), T([-1.0, 0.5]), T([2.0, 3.0])])
kl("exponential", Exponential, Exponential, [T([0.5, 2.0]), T([1.5, 0.25])])
kl("laplace", Laplace, Laplace, [T([0.5, -1.0]), T([1.5, 0.3]), T([0.0, 1.0]), T([1.0, 2.0])])
kl("lognormal", LogNormal, LogNormal, [T([0.5, -1.0]), T([1.5, 0.3]), T([0.0, 1.0]), T([1.0, 2.0])])
kl("independent", lambda l, s: Independent(Normal(l, s), 1), lambda l, s: Independent(Normal(l, s), 1),
   [T([[0.5, -1.0], [0.0, 2.0]]), T([[1.5, 0.3], [1.0, 1.0]]), T([[0.0, 1.0], [1.0, 1.0]]), T([[1.0, 2.0], [0.5, 3.0]])])

A = T([[2.0, 0.5, 0.1], [0.5, 1.5, -0.3], [0.1, -0.3, 1.0]])
B = T([[1.0, 0.2, 0.0], [0.2, 2.0, 0.4], [0.0, 0.4, 0.8]])
case("mvn covariance", lambda l, c: MultivariateNormal(l, covariance_matrix=c), [T([0.5, -1.0, 2.0]), A],
     value=T([[0.25, -1.5, 4.0], [0.0, 0.0, 0.0]]), props=('mean', 'mode', 'variance', 'entropy', 'scale_tril',
                                                           'covariance_matrix', 'precision_matrix'))
case("mvn precision", lambda l, c: MultivariateNormal(l, precision_matrix=c), [T([0.5, -1.0, 2.0]), A],
     value=T([0.25, -1.5, 4.0]), props=('variance', 'entropy', 'scale_tril', 'covariance_matrix'))
case("mvn scaletril batch", lambda l, c: MultivariateNormal(l, scale_tril=c),
     [T([[0.5, -1.0, 2.0], [0.0, 1.0, -1.0]]), torch.linalg.cholesky(B)],
     value=T([0.25, -1.5, 4.0]), props=('variance', 'entropy', 'covariance_matrix'))
case("gamma", Gamma, [T([0.5, 2.0, 7.5]), T([1.5, 0.3, 2.0])], value=T([0.25, 1.5, 4.0]),
     props=('mean', 'mode', 'variance', 'entropy'))
case("beta", Beta, [T([0.5, 2.0, 7.5]), T([1.5, 0.3, 2.0])], value=T([0.25, 0.5, 0.9]),
     props=('mean', 'mode', 'variance', 'entropy'))
case("dirichlet", Dirichlet, [T([[0.5, 2.0, 7.5], [1.5, 1.3, 2.0]])], value=T([[0.25, 0.25, 0.5], [0.1, 0.6, 0.3]]),
     props=('mean', 'mode', 'variance', 'entropy'))
case("poisson", Poisson, [T([0.5, 2.0, 7.5])], value=T([0.0, 3.0, 6.0]), props=('mean', 'mode', 'variance'))
case("geometric probs", lambda p: Geometric(probs=p), [T([0.2, 0.5, 0.9])], value=T([0.0, 3.0, 1.0]),
     props=('mean', 'mode', 'variance', 'entropy'))
case("geometric logits", lambda p: Geometric(logits=p), [T([-1.0, 0.5, 2.0])], value=T([0.0, 3.0, 1.0]),
     props=('mean', 'variance', 'entropy'))
case("binomial probs", lambda n, p: Binomial(n, probs=p), [T([5.0, 5.0, 5.0]), T([0.2, 0.5, 0.9])],
     value=T([0.0, 3.0, 5.0]), props=('mean', 'mode', 'variance'))
case("binomial logits", lambda n, p: Binomial(n, logits=p), [T([4.0, 10.0]), T([-1.0, 0.5])],
     value=T([2.0, 7.0]), props=('mean', 'mode', 'variance'))

F = torch.float32
case("gamma f32", Gamma, [T([0.5, 2.0, 7.5], F), T([1.5, 0.3, 2.0], F)], value=T([0.25, 1.5, 4.0], F),
     props=('mean', 'mode', 'variance', 'entropy'))
case("categorical logits f32", lambda l: Categorical(logits=l), [T([[0.5, -1.0, 2.0], [1.0, 1.0, -3.0]], F)],
     value=torch.tensor([2, 0]), props=('mode', 'entropy'))
case("bernoulli f32", lambda p: Bernoulli(probs=p), [T([0.2, 0.5, 0.9], F)], value=T([0.0, 1.0, 1.0], F))
case("laplace f32", Laplace, [T([0.5, -1.0], F), T([1.5, 0.3], F)], value=T([0.25, -1.5], F), q=T([0.1, 0.9], F))
case("binomial support", lambda n, p: Binomial(n, probs=p), [T([3.0, 3.0]), T([0.2, 0.5])], value=T([0.0, 3.0]),
     props=('mean',))

kl("mvn", lambda l, c: MultivariateNormal(l, covariance_matrix=c), lambda l, c: MultivariateNormal(l, covariance_matrix=c),
   [T([0.5, -1.0, 2.0]), A, T([0.0, 1.0, 1.0]), B])
kl("gamma", Gamma, Gamma, [T([0.5, 2.0]), T([1.5, 0.3]), T([1.0, 3.0]), T([1.0, 2.0])])
kl("beta", Beta, Beta, [T([0.5, 2.0]), T([1.5, 0.3]), T([1.0, 3.0]), T([1.0, 2.0])])
kl("dirichlet", Dirichlet, Dirichlet, [T([0.5, 2.0, 1.0]), T([1.5, 0.3, 2.0])])
kl("poisson", Poisson, Poisson, [T([0.5, 2.0]), T([1.5, 0.3])])

with open(__file__.replace('make_expected.py', 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
