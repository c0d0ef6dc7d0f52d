# Expected values for DistributionsContinuousTest: torch.distributions' StudentT, Cauchy, HalfCauchy, HalfNormal, Chi2,
# Gumbel, Weibull, Pareto, FisherSnedecor, Kumaraswamy and VonMises: log_prob, cdf, icdf, entropy, mean, mode, variance
# and stddev at fixed parameters and values, with the gradients of sum(log_prob(value)), of sum(entropy) and of
# sum(mean), sum(variance) (finite entries) with respect to each parameter; kl_divergence values and gradients for the
# pairs PyTorch registers with these families. Run with /usr/bin/python3 (PyTorch 1.13): these formulas are unchanged in
# 2.x (VonMises keeps its polynomial _log_modified_bessel_fn there), so the values are 2.x's too.
# Each case: "=== <dist> <label>", "in<i> dtype [shape] : values" (parameters), "value ..." / "q ..." (inputs), then
# "<property> dtype [shape] : values" and "g<property><i>" gradients ("none" where no gradient reached).
import math
import torch
from torch.distributions import (StudentT, Cauchy, HalfCauchy, HalfNormal, Chi2, Gumbel, Weibull, Pareto,
                                 FisherSnedecor, Kumaraswamy, VonMises, ContinuousBernoulli, LogisticNormal, Normal,
                                 Exponential, Gamma, Beta, Uniform, Laplace)
from torch.distributions.kl import kl_divergence

out = []


def fmt(t):
    t = t.detach()
    dt = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int64', torch.bool: 'bool'}[t.dtype]
    vals = t.reshape(-1).tolist()
    return f"{dt} {list(t.shape)} : {[float(v) for v in vals]}".replace('inf', 'Infinity').replace('nan', 'NaN')


def grads(tag, y, ins):
    finite = torch.where(torch.isfinite(y), y, torch.zeros_like(y))
    if not finite.requires_grad:
        return
    gs = torch.autograd.grad(finite.sum(), ins, allow_unused=True, retain_graph=True)
    for i, g in enumerate(gs):
        out.append(f"g{tag}{i} " + ("none" if g is None else fmt(g)))


def case(name, ctor, params, value=None, q=None, props=('mean', 'mode', 'variance', 'stddev', 'entropy')):
    ins = [p.clone().requires_grad_(True) for p in params]
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
        grads(prop, v, ins)
    if value is not None:
        out.append(f"value {fmt(value)}")
        lp = d.log_prob(value)
        out.append(f"logprob {fmt(lp)}")
        grads("logprob", lp, ins)
        try:
            c = d.cdf(value)
            out.append(f"cdf {fmt(c)}")
            grads("cdf", c, ins)
        except NotImplementedError:
            pass
    if q is not None:
        out.append(f"q {fmt(q)}")
        ic = d.icdf(q)
        out.append(f"icdf {fmt(ic)}")
        grads("icdf", ic, ins)


def kl(name, ctor_p, ctor_q, params, k):
    ins = [p.clone().requires_grad_(True) for p in params]
    r = kl_divergence(ctor_p(*ins[:k]), ctor_q(*ins[k:]))
    out.append(f"=== kl {name}")
    out.append(f"split {k}")
    for i, p in enumerate(ins):
        out.append(f"in{i} {fmt(p)}")
    out.append(f"out {fmt(r)}")
    grads("kl", r, ins)


d64 = torch.float64
F = torch.float32
T = lambda v, dt=d64: torch.tensor(v, dtype=dt)

case("studentt f64", StudentT, [T([0.5, 1.5, 2.5, 7.0]), T([0.5, -1.0, 2.0, 0.0]), T([1.5, 0.3, 2.0, 1.0])],
     value=T([0.25, -1.5, 4.0, 0.5]))
case("studentt f32 broadcast", StudentT, [T([[3.0], [5.0]], F), T([0.5, -1.0, 2.0], F), T([1.5], F)],
     value=T([[0.25, -1.5, 4.0], [1.0, 0.0, -2.0]], F))
case("cauchy f64", Cauchy, [T([0.5, -1.0, 2.0]), T([1.5, 0.3, 2.0])], value=T([0.25, -1.5, 4.0]),
     q=T([0.1, 0.5, 0.9]))
case("cauchy f32 broadcast", Cauchy, [T([[0.5], [-1.0]], F), T([1.5, 0.3, 2.0], F)],
     value=T([[0.25, -1.5, 4.0], [1.0, 0.0, -2.0]], F), q=T([0.1, 0.5, 0.9], F))
case("halfcauchy", HalfCauchy, [T([1.5, 0.3, 2.0])], value=T([0.25, 0.0, 4.0]), q=T([0.1, 0.5, 0.9]))
case("halfnormal", HalfNormal, [T([1.5, 0.3, 2.0])], value=T([0.25, 0.0, 4.0]), q=T([0.1, 0.5, 0.9]))
case("halfnormal f32", HalfNormal, [T([1.5, 0.3], F)], value=T([0.25, 1.0], F), q=T([0.1, 0.9], F))
case("chi2", Chi2, [T([0.5, 2.0, 7.5])], value=T([0.25, 1.5, 4.0]))
case("gumbel f64", Gumbel, [T([0.5, -1.0, 2.0]), T([1.5, 0.3, 2.0])], value=T([0.25, -1.5, 4.0]),
     q=T([0.1, 0.5, 0.9]))
case("gumbel f32 broadcast", Gumbel, [T([[0.5], [-1.0]], F), T([1.5, 0.3, 2.0], F)],
     value=T([[0.25, -0.5, 4.0], [1.0, 0.0, -2.0]], F), q=T([0.1, 0.5, 0.9], F))
case("weibull", Weibull, [T([1.5, 0.3, 2.0]), T([0.5, 2.0, 7.5])], value=T([0.25, 0.5, 1.5]),
     q=T([0.1, 0.5, 0.9]))
case("weibull f32", Weibull, [T([1.5, 0.3], F), T([0.5, 2.0], F)], value=T([0.25, 0.5], F), q=T([0.1, 0.9], F))
case("pareto", Pareto, [T([1.5, 0.3, 2.0]), T([0.5, 2.5, 7.5])], value=T([2.25, 0.5, 4.0]), q=T([0.1, 0.5, 0.9]))
case("fishersnedecor", FisherSnedecor, [T([0.5, 3.0, 7.5, 4.0]), T([1.5, 3.0, 5.0, 9.0])],
     value=T([0.25, 1.5, 4.0, 0.75]))
case("kumaraswamy", Kumaraswamy, [T([0.5, 2.0, 7.5]), T([1.5, 3.0, 2.0])], value=T([0.25, 0.5, 0.9]),
     q=T([0.1, 0.5, 0.9]))
case("kumaraswamy f32", Kumaraswamy, [T([2.0, 7.5], F), T([3.0, 2.0], F)], value=T([0.5, 0.9], F),
     q=T([0.1, 0.9], F))
case("vonmises", VonMises, [T([0.5, -1.0, 2.0, 0.0]), T([0.5, 2.0, 3.75, 10.0])], value=T([0.25, -1.5, 4.0, 7.0]),
     props=('mean', 'mode', 'variance'))
case("vonmises f32", VonMises, [T([0.5, -1.0], F), T([1.0, 6.0], F)], value=T([0.25, 3.0], F),
     props=('mean', 'mode', 'variance'))
case("cb probs", lambda p: ContinuousBernoulli(probs=p), [T([0.2, 0.4995, 0.5, 0.7, 0.95])],
     value=T([0.25, 0.5, 0.0, 1.0, 0.9]), q=T([0.1, 0.5, 0.9, 0.3, 0.999]))
case("cb logits", lambda l: ContinuousBernoulli(logits=l), [T([-1.5, 0.001, 2.5])], value=T([0.25, 0.5, 0.9]),
     q=T([0.1, 0.5, 0.9]))
case("cb f32", lambda p: ContinuousBernoulli(probs=p), [T([0.2, 0.7], F)], value=T([0.25, 0.9], F), q=T([0.1, 0.9], F))
case("logisticnormal", LogisticNormal, [T([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]]), T([[1.5, 0.3, 2.0], [1.0, 0.5, 0.7]])],
     value=T([[0.2, 0.3, 0.4, 0.1], [0.25, 0.25, 0.25, 0.25]]), props=())
case("logisticnormal scalar", LogisticNormal, [T(0.5), T(1.5)], value=T([0.3, 0.7]), props=())

a2 = lambda: [T([0.5, -1.0]), T([1.5, 0.3])]
b2 = lambda: [T([0.0, 1.0]), T([1.0, 2.0])]
kl("cauchy cauchy", Cauchy, Cauchy, a2() + b2(), 2)
kl("gumbel gumbel", Gumbel, Gumbel, a2() + b2(), 2)
kl("halfnormal halfnormal", HalfNormal, HalfNormal, [T([1.5, 0.3]), T([1.0, 2.0])], 1)
kl("pareto pareto", Pareto, Pareto, [T([1.5, 0.3]), T([2.5, 3.0]), T([1.0, 0.5]), T([1.5, 2.0])], 2)
kl("gumbel normal", Gumbel, Normal, a2() + b2(), 2)
kl("gumbel exponential", Gumbel, Exponential, a2() + [T([1.0, 2.0])], 2)
kl("gumbel gamma", Gumbel, Gamma, a2() + [T([1.0, 2.0]), T([0.5, 1.0])], 2)
kl("gumbel beta", Gumbel, Beta, a2() + [T([1.0, 2.0]), T([1.5, 0.5])], 2)
kl("gumbel uniform", Gumbel, Uniform, a2() + [T([0.0, 1.0]), T([1.0, 2.0])], 2)
kl("gumbel pareto", Gumbel, Pareto, a2() + [T([1.0, 2.0]), T([1.5, 0.5])], 2)
kl("exponential gumbel", Exponential, Gumbel, [T([1.5, 0.3])] + b2(), 1)
kl("gamma gumbel", Gamma, Gumbel, [T([1.5, 0.3]), T([2.0, 0.7])] + b2(), 2)
kl("chi2 gumbel", Chi2, Gumbel, [T([1.5, 3.0])] + b2(), 1)
kl("normal gumbel", Normal, Gumbel, a2() + b2(), 2)
kl("uniform gumbel", Uniform, Gumbel, [T([0.0, -1.0]), T([1.0, 2.0])] + b2(), 2)
kl("pareto exponential", Pareto, Exponential, [T([1.5, 0.3, 2.0]), T([2.5, 3.0, 0.5])] + [T([1.0, 2.0, 1.0])], 2)
kl("pareto gamma", Pareto, Gamma, [T([1.5, 0.3, 2.0]), T([2.5, 3.0, 0.5])] + [T([1.0, 2.0, 1.0]), T([0.5, 1.5, 1.0])], 2)
kl("pareto normal", Pareto, Normal, [T([1.5, 0.3, 2.0]), T([2.5, 3.0, 1.5])] + [T([1.0, 2.0, 1.0]), T([0.5, 1.5, 1.0])], 2)
kl("pareto beta", Pareto, Beta, [T([1.5, 0.3]), T([2.5, 3.0])] + [T([1.0, 2.0]), T([0.5, 1.5])], 2)
kl("pareto uniform", Pareto, Uniform, [T([1.5, 0.3]), T([2.5, 3.0])] + [T([1.0, 2.0]), T([1.5, 2.5])], 2)
kl("uniform pareto", Uniform, Pareto, [T([1.0, 0.5, 2.0]), T([2.0, 3.0, 2.5])] + [T([0.5, 1.0, 1.5]), T([1.5, 2.0, 3.0])], 2)
kl("beta pareto", Beta, Pareto, [T([1.0, 2.0]), T([1.5, 0.5]), T([1.5, 0.3]), T([2.5, 3.0])], 2)
kl("exponential pareto", Exponential, Pareto, [T([1.0, 2.0]), T([1.5, 0.3]), T([2.5, 3.0])], 1)
kl("gamma pareto", Gamma, Pareto, [T([1.0, 2.0]), T([1.5, 0.3]), T([1.5, 0.3]), T([2.5, 3.0])], 2)
kl("laplace pareto", Laplace, Pareto, a2() + [T([1.5, 0.3]), T([2.5, 3.0])], 2)
kl("normal pareto", Normal, Pareto, a2() + [T([1.5, 0.3]), T([2.5, 3.0])], 2)
kl("chi2 chi2", Chi2, Chi2, [T([1.5, 3.0]), T([2.0, 0.5])], 1)
kl("weibull weibull", Weibull, Weibull, [T([1.5, 0.3]), T([2.5, 3.0]), T([1.5, 0.3]), T([2.5, 3.0])], 2)
kl("halfcauchy halfcauchy", HalfCauchy, HalfCauchy, [T([1.5, 0.3]), T([1.0, 2.0])], 1)
kl("kumaraswamy kumaraswamy", Kumaraswamy, Kumaraswamy, [T([1.5, 0.3]), T([2.5, 3.0]), T([1.5, 0.3]), T([2.5, 3.0])], 2)
CBp = lambda p: ContinuousBernoulli(probs=p)
kl("cb cb", CBp, CBp, [T([0.2, 0.4995, 0.8]), T([0.6, 0.3, 0.5])], 1)
kl("cb exponential", CBp, Exponential, [T([0.2, 0.8]), T([1.5, 0.3])], 1)
kl("cb normal", CBp, Normal, [T([0.2, 0.8]), T([0.5, -1.0]), T([1.5, 0.3])], 1)
kl("cb uniform", CBp, Uniform, [T([0.2, 0.8, 0.3]), T([-0.5, 0.1, -1.0]), T([1.5, 2.0, 0.5])], 1)
kl("cb pareto", CBp, Pareto, [T([0.2, 0.8]), T([1.5, 0.3]), T([2.5, 3.0])], 1)
kl("beta cb", Beta, CBp, [T([1.0, 2.0]), T([1.5, 0.5]), T([0.2, 0.8])], 2)
kl("uniform cb", Uniform, CBp, [T([0.1, 0.0, 0.2]), T([0.9, 0.5, 1.0]), T([0.2, 0.8, 0.4])], 2)
kl("normal cb", Normal, CBp, a2() + [T([0.2, 0.8])], 2)
kl("gumbel cb", Gumbel, CBp, a2() + [T([0.2, 0.8])], 2)
kl("pareto cb", Pareto, CBp, [T([1.5, 0.3]), T([2.5, 3.0]), T([0.2, 0.8])], 2)

with open('expected.txt', 'w') as f:
    f.write('\n'.join(out) + '\n')
