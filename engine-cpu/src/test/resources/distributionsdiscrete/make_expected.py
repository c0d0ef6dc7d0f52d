# Expected values for DistributionsDiscreteTest: torch.distributions' Multinomial, NegativeBinomial, MixtureSameFamily,
# LogitRelaxedBernoulli / RelaxedBernoulli, ExpRelaxedCategorical / RelaxedOneHotCategorical,
# OneHotCategoricalStraightThrough, LowRankMultivariateNormal, LKJCholesky, Wishart and Binomial.entropy at fixed parameters and values:
# log_prob, cdf, entropy, mean, mode, variance (and the low-rank normal's matrices) with the gradients of the sums of
# log_prob ("glp<i>"), entropy ("gent<i>"), mean ("gmean<i>") and variance ("gvar<i>") with respect to each floating
# parameter; the relaxed families' rsample at fixed uniform noise ("rsample", torch.rand replaced by the given "noise")
# with the gradients of its sum ("grs<i>"); the straight-through estimator's gradient of sum(rsample * w); KL values
# and gradients. Run with /usr/bin/python3 (PyTorch 1.13; these formulas are unchanged in 2.x, whose values these are
# too; MixtureSameFamily's _pad_mixture_dimensions counts elements in 1.13 and ranks in later 2.x releases, the same
# for the mixtures here, whose mixture batch shape is () or the components').
import warnings
import torch
from torch.distributions import (Multinomial, NegativeBinomial, MixtureSameFamily, Categorical, Normal, Independent,
                                 RelaxedBernoulli, RelaxedOneHotCategorical, OneHotCategoricalStraightThrough,
                                 LowRankMultivariateNormal, MultivariateNormal, Binomial, LKJCholesky, Wishart)
from torch.distributions.transforms import CorrCholeskyTransform
from torch.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
from torch.distributions.relaxed_categorical import ExpRelaxedCategorical
from torch.distributions.kl import kl_divergence

out = []
warnings.simplefilter("ignore")  # Wishart's low-df warning


def fmt(t):
    t = t.detach()
    dt = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int64', torch.bool: 'bool'}[t.dtype]
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    return f"{dt} {list(t.shape)} : {[float(v) if t.is_floating_point() else v for v in vals]}".replace('inf', 'Infinity').replace('nan', 'NaN')


def grads(tag, y, ins):
    req = [p for p in ins if p.requires_grad]
    gs = torch.autograd.grad(y.sum(), req, allow_unused=True)
    k = 0
    for i, p in enumerate(ins):
        if p.requires_grad:
            out.append(f"{tag}{i} " + ("none" if gs[k] is None else fmt(gs[k])))
            k += 1


def case(name, ctor, params, value=None, props=('mean', 'mode', 'variance', 'entropy'), noise=None, cdf=False):
    ins = [p.clone().requires_grad_(p.is_floating_point()) for p in params]
    out.append(f"=== {name}")
    for i, p in enumerate(ins):
        out.append(f"in{i} {fmt(p)}")
    for prop in props:
        d = ctor(*ins)
        try:
            v = getattr(d, prop)
            v = v() if callable(v) else v
        except NotImplementedError:
            continue
        out.append(f"{prop} {fmt(v)}")
        tag = {'mean': 'gmean', 'variance': 'gvar', 'entropy': 'gent'}.get(prop)
        if tag is not None and v.requires_grad:
            grads(tag, v, ins)
    if value is not None:
        d = ctor(*ins)
        out.append(f"value {fmt(value)}")
        lp = d.log_prob(value)
        out.append(f"logprob {fmt(lp)}")
        grads("glp", lp, ins)
        if cdf:
            out.append(f"cdf {fmt(d.cdf(value))}")
    if noise is not None:
        d = ctor(*ins)
        rand = torch.rand
        torch.rand = lambda *a, **k: noise.clone()
        try:
            s = d.rsample()
        finally:
            torch.rand = rand
        out.append(f"noise {fmt(noise)}")
        out.append(f"rsample {fmt(s)}")
        grads("grs", s, ins)


def kl(name, ctor_p, ctor_q, params, k):
    ins = [p.clone().requires_grad_(True) for p in params]
    r = kl_divergence(ctor_p(*ins[:k]), ctor_q(*ins[k:]))
    out.append(f"=== kl {name}")
    out.append(f"split {k}")
    for i, p in enumerate(ins):
        out.append(f"in{i} {fmt(p)}")
    out.append(f"out {fmt(r)}")
    finite = torch.where(torch.isfinite(r), r, torch.zeros_like(r))
    gs = torch.autograd.grad(finite.sum(), ins, allow_unused=True)
    for i, g in enumerate(gs):
        out.append(f"gkl{i} " + ("none" if g is None else fmt(g)))


d64 = torch.float64
F = torch.float32
T = lambda v, dt=d64: torch.tensor(v, dtype=dt)

# Multinomial: total_count 4 (the name's number), probs or logits
case("multinomial 4 probs", lambda p: Multinomial(4, probs=p), [T([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]])],
     value=T([[1.0, 1.0, 2.0], [0.0, 3.0, 1.0]]), props=('mean', 'variance', 'entropy'))
case("multinomial 3 logits", lambda l: Multinomial(3, logits=l), [T([0.5, -1.0, 2.0, 0.0])],
     value=T([[0.0, 1.0, 2.0, 0.0], [3.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]), props=('mean', 'variance', 'entropy'))
case("multinomial 5 probs f32", lambda p: Multinomial(5, probs=p), [T([0.1, 0.6, 0.3], F)],
     value=T([2.0, 2.0, 1.0], F), props=('mean', 'variance', 'entropy'))
case("multinomial 2 probs zero", lambda p: Multinomial(2, probs=p), [T([0.0, 0.4, 0.6])],
     value=T([0.0, 1.0, 1.0]), props=('mean', 'variance'))

case("negbinomial probs", lambda n, p: NegativeBinomial(n, probs=p), [T([2.0, 3.5, 1.0]), T([0.2, 0.5, 0.7])],
     value=T([0.0, 3.0, 5.0]), props=('mean', 'mode', 'variance'))
case("negbinomial logits", lambda n, l: NegativeBinomial(n, logits=l), [T([[4.0], [0.5]]), T([-1.0, 0.5, 2.0])],
     value=T([2.0, 7.0, 1.0]), props=('mean', 'mode', 'variance'))
case("negbinomial probs f32", lambda n, p: NegativeBinomial(n, probs=p), [T([2.0, 3.5], F), T([0.2, 0.5], F)],
     value=T([1.0, 4.0], F), props=('mean', 'mode', 'variance'))

case("mixture normal", lambda p, l, s: MixtureSameFamily(Categorical(probs=p), Normal(l, s)),
     [T([0.3, 0.7]), T([0.0, 2.0]), T([1.0, 0.5])], value=T([-1.0, 0.5, 2.2]), props=('mean', 'variance'), cdf=True)
case("mixture batch logits", lambda m, l, s: MixtureSameFamily(Categorical(logits=m), Normal(l, s)),
     [T([[0.5, -1.0, 0.0], [1.0, 1.0, 2.0]]), T([[0.0, 2.0, -1.0], [1.0, -2.0, 0.5]]), T([[1.0, 0.5, 2.0], [0.3, 1.0, 1.5]])],
     value=T([[0.25], [1.5]]), props=('mean', 'variance'), cdf=True)
case("mixture independent", lambda p, l, s: MixtureSameFamily(Categorical(probs=p), Independent(Normal(l, s), 1)),
     [T([0.4, 0.6]), T([[0.0, 1.0], [2.0, -1.0]]), T([[1.0, 0.5], [0.7, 2.0]])], value=T([[0.5, 0.0], [1.5, -2.0]]),
     props=('mean', 'variance'))
case("mixture normal f32", lambda p, l, s: MixtureSameFamily(Categorical(probs=p), Normal(l, s)),
     [T([0.3, 0.7], F), T([0.0, 2.0], F), T([1.0, 0.5], F)], value=T([-1.0, 0.5, 2.2], F), props=('mean', 'variance'),
     cdf=True)

case("logitrelaxedbernoulli probs", lambda t, p: LogitRelaxedBernoulli(t, probs=p), [T(0.7), T([0.2, 0.5, 0.9])],
     value=T([-1.0, 0.5, 2.0]), props=(), noise=T([0.3, 0.6, 0.9]))
case("relaxedbernoulli probs", lambda t, p: RelaxedBernoulli(t, probs=p), [T(0.7), T([0.2, 0.5, 0.9])],
     value=T([0.1, 0.5, 0.95]), props=(), noise=T([0.3, 0.6, 0.9]))
case("relaxedbernoulli logits", lambda t, l: RelaxedBernoulli(t, logits=l), [T([0.5, 2.0]), T([[-1.0, 0.5], [2.0, 0.0]])],
     value=T([[0.1, 0.5], [0.95, 0.3]]), props=(), noise=T([[0.3, 0.6], [0.05, 0.5]]))
case("exprelaxedcategorical logits", lambda t, l: ExpRelaxedCategorical(t, logits=l), [T(0.5), T([0.5, -1.0, 2.0])],
     value=T([-0.5, -2.0, -1.2]), props=(), noise=T([0.3, 0.6, 0.9]))
case("relaxedonehot probs", lambda t, p: RelaxedOneHotCategorical(t, probs=p), [T(0.5), T([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])],
     value=T([[0.1, 0.3, 0.6], [0.7, 0.2, 0.1]]), props=(), noise=T([[0.3, 0.6, 0.9], [0.5, 0.2, 0.7]]))
case("relaxedonehot logits f32", lambda t, l: RelaxedOneHotCategorical(t, logits=l), [T(1.5, F), T([0.5, -1.0, 2.0], F)],
     value=T([0.2, 0.1, 0.7], F), props=(), noise=T([0.3, 0.6, 0.9], F))

case("straightthrough probs", lambda p: OneHotCategoricalStraightThrough(probs=p), [T([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]])],
     value=T([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]), props=('mean', 'mode', 'variance', 'entropy'))
# the straight-through gradient of sum(rsample * w): the probabilities' gradient, whatever the sample
p = T([[0.2, 0.3, 0.5], [1.0, 2.0, 1.0]]).requires_grad_(True)
w = T([[1.0, -2.0, 0.5], [3.0, 0.0, 1.0]])
out.append("=== straightthrough rsamplegrad")
out.append(f"in0 {fmt(p)}")
out.append(f"weights {fmt(w)}")
(g,) = torch.autograd.grad((OneHotCategoricalStraightThrough(probs=p).rsample() * w).sum(), [p])
out.append(f"grad {fmt(g)}")

W = T([[1.0, 0.5], [-0.5, 1.0], [0.2, 0.3]])
case("lowrank", LowRankMultivariateNormal, [T([0.5, -1.0, 2.0]), W, T([1.0, 0.5, 2.0])],
     value=T([[0.25, -1.5, 4.0], [0.0, 0.0, 0.0]]),
     props=('mean', 'mode', 'variance', 'entropy', 'scale_tril', 'covariance_matrix', 'precision_matrix'))
case("lowrank batch", LowRankMultivariateNormal, [T([[0.5, -1.0, 2.0], [0.0, 1.0, -1.0]]), T([[[1.0], [0.5], [-0.3]]]),
     T([1.0, 0.5, 2.0])], value=T([0.25, -1.5, 4.0]),
     props=('variance', 'entropy', 'scale_tril', 'covariance_matrix', 'precision_matrix'))
case("lowrank f32", LowRankMultivariateNormal, [T([0.5, -1.0, 2.0], F), W.to(F), T([1.0, 0.5, 2.0], F)],
     value=T([0.25, -1.5, 4.0], F), props=('variance', 'entropy'))

case("binomial probs", lambda n, p: Binomial(n, probs=p), [T([5.0, 5.0, 5.0]), T([0.2, 0.5, 0.9])], props=('entropy',))
case("binomial logits f32", lambda n, l: Binomial(n, logits=l), [T([[3.0], [3.0]], F), T([-1.0, 0.5], F)],
     props=('entropy',))

# LKJCholesky(dim, concentration) at Cholesky factors of correlation matrices (the name's number is dim)
corr = CorrCholeskyTransform()(T([[0.3, -0.8, 1.1], [2.0, 0.1, -0.4]]))
case("lkj 3", lambda c: LKJCholesky(3, c), [T([0.5, 2.0])], value=corr, props=())
case("lkj 3 scalar", lambda c: LKJCholesky(3, c), [T(1.5)], value=corr, props=())
case("lkj 2 f32", lambda c: LKJCholesky(2, c), [T([0.7, 1.0, 3.0], F)],
     value=CorrCholeskyTransform()(T([[0.5], [-1.2], [0.0]], F)), props=())

A = T([[2.0, 0.5, 0.1], [0.5, 1.5, -0.3], [0.1, -0.3, 1.0]])
# Wishart(df, covariance_matrix= / precision_matrix= / scale_tril=)
S = T([[[1.5, 0.2, 0.0], [0.2, 2.0, 0.4], [0.0, 0.4, 0.8]], [[3.0, -1.0, 0.5], [-1.0, 2.0, 0.1], [0.5, 0.1, 1.0]]])
case("wishart covariance", lambda d, c: Wishart(d, covariance_matrix=c), [T(4.5), A], value=S,
     props=('mean', 'mode', 'variance', 'entropy'))
case("wishart precision batch", lambda d, c: Wishart(d, precision_matrix=c), [T([3.5, 6.0]), A], value=S[0],
     props=('mean', 'mode', 'variance', 'entropy'))
case("wishart scaletril", lambda d, c: Wishart(d, scale_tril=c), [T([2.5, 7.0]), torch.linalg.cholesky(A)], value=S,
     props=('mean', 'mode', 'variance', 'entropy'))
case("wishart covariance f32", lambda d, c: Wishart(d, covariance_matrix=c), [T(4.5, F), A.to(F)], value=S.to(F),
     props=('mean', 'variance', 'entropy'))

# PyTorch's sampler (the same in 2.x) draws row k's squared norm from Beta(offset_k + 1/2, ...) with offsets 0, 0, 1,
# ..., so rows below the second are more correlated than the LKJ marginal (all off-diagonal correlations 2 Beta(a, a) - 1,
# a = eta - 1 + dim / 2): the variances of corr[1, 0] and corr[2, 1] of 200k seeded PyTorch draws, which Ember's sampler
# follows
torch.manual_seed(0)
chol = LKJCholesky(3, T([2.0, 0.5])).sample((200000,))
c = chol @ chol.mT
out.append("=== lkj samplestats")
out.append(f"var10 {fmt(c[..., 1, 0].var(0))}")
out.append(f"var21 {fmt(c[..., 2, 1].var(0))}")

kl("binomial", lambda n, p: Binomial(n, probs=p), lambda n, p: Binomial(n, probs=p),
   [T([5.0, 6.0, 4.0]), T([0.2, 0.5, 0.9]), T([5.0, 4.0, 4.0]), T([0.4, 0.5, 0.1])], 2)
W2 = T([[0.3], [1.0], [-0.5]])
kl("lowrank lowrank", LowRankMultivariateNormal, LowRankMultivariateNormal,
   [T([0.5, -1.0, 2.0]), W, T([1.0, 0.5, 2.0]), T([0.0, 1.0, 1.0]), W2, T([0.5, 1.5, 1.0])], 3)
kl("mvn lowrank", lambda l, c: MultivariateNormal(l, covariance_matrix=c), LowRankMultivariateNormal,
   [T([0.5, -1.0, 2.0]), A, T([0.0, 1.0, 1.0]), W2, T([0.5, 1.5, 1.0])], 2)
kl("lowrank mvn", LowRankMultivariateNormal, lambda l, c: MultivariateNormal(l, covariance_matrix=c),
   [T([0.0, 1.0, 1.0]), W, T([0.5, 1.5, 1.0]), T([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0]]), A], 3)

with open(__file__.replace('make_expected.py', 'expected.txt'), 'w') as f:
    f.write('\n'.join(out) + '\n')
