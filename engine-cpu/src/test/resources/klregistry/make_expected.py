# Writes expected.txt for KLRegistryTest.java: torch.distributions.kl_divergence for every pair PyTorch 2.x registers
# (values, grad_fn and the gradients w.r.t. every parameter), the lookup through subclasses (Chi2 as a Gamma, the
# TransformedDistributions, OneHotCategoricalStraightThrough), the infinite pairs, and the errors of pairs with no rule.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case: "=== P-Q variant", then
#   in<i> <dtype> [shape] : values       p's parameters, then q's (float inputs require grad)
#   out <dtype> [shape] : values         kl_divergence(p, q)
#   fn <name>                            its grad_fn ("None" without one)
#   grad<i> <dtype> [shape] : values     d sum(out * w) / d in<i>, w[k] = 1 + 0.5 * ((3k) mod 11)
# or "error <Type> <message>" ("<bare>" for a NotImplementedError with no message).
# 2.x notes: 2.x's _infinite_like is torch.full_like(tensor, inf) (1.13: new_tensor(inf).expand_as(tensor)): the same
# values, neither has a grad_fn. The registry (its pairs, its formulas, the messages) is otherwise the same in this 1.13
# and 2.x. A result[mask] = inf whose mask has fewer dims than the result is PyTorch's IndexError, kept as a case.
import torch
import torch.distributions as D

F64 = torch.float64


def vals(kind, shape, shift, dtype):
    n = 1
    for s in shape:
        n *= s
    ks = range(n)
    if kind == "real":
        v = [((7 * k + shift) % 19 - 9) * 0.25 for k in ks]
    elif kind == "pos":
        v = [0.25 + ((7 * k + shift) % 13) * 0.3 for k in ks]
    elif kind == "prob":
        v = [0.05 + ((7 * k + shift) % 17) * 0.05 for k in ks]
    elif kind == "low":
        v = [0.1 * ((7 * k + shift) % 9) - 0.1 for k in ks]
    elif kind == "width":
        v = [0.2 + 0.2 * ((5 * k + shift) % 5) for k in ks]
    elif kind == "temp":
        v = [0.5 + 0.25 * ((3 * k + shift) % 4) for k in ks]
    elif kind == "count":
        return torch.tensor([3 + (k + shift) % 3 for k in ks], dtype=torch.int64).reshape(shape)
    return torch.tensor(v, dtype=F64).reshape(shape).to(dtype)


def simplex(shape, shift, dtype):
    x = vals("pos", shape, shift, F64)
    return (x / x.sum(-1, keepdim=True)).to(dtype)


def spd(batch, n, shift, dtype):
    a = vals("real", batch + (n, n), shift, F64) * 0.2
    return (a @ a.transpose(-1, -2) + torch.eye(n, dtype=F64)).to(dtype)


# name: (parameter kinds, builder); "event" kinds get a trailing dim of 4 ("simplex") or a 2x2 matrix ("spd")
FAMILIES = {
    "Normal": (["real", "pos"], lambda a: D.Normal(a[0], a[1])),
    "Laplace": (["real", "pos"], lambda a: D.Laplace(a[0], a[1])),
    "Cauchy": (["real", "pos"], lambda a: D.Cauchy(a[0], a[1])),
    "Gumbel": (["real", "pos"], lambda a: D.Gumbel(a[0], a[1])),
    "LogNormal": (["real", "pos"], lambda a: D.LogNormal(a[0], a[1])),
    "HalfNormal": (["pos"], lambda a: D.HalfNormal(a[0])),
    "HalfCauchy": (["pos"], lambda a: D.HalfCauchy(a[0])),
    "Beta": (["pos", "pos"], lambda a: D.Beta(a[0], a[1])),
    "Gamma": (["pos", "pos"], lambda a: D.Gamma(a[0], a[1])),
    "Chi2": (["pos"], lambda a: D.Chi2(a[0])),
    "Exponential": (["pos"], lambda a: D.Exponential(a[0])),
    "Poisson": (["pos"], lambda a: D.Poisson(a[0])),
    "Uniform": (["low", "width"], lambda a: D.Uniform(a[0], a[0] + a[1])),
    "Pareto": (["pos", "pos"], lambda a: D.Pareto(a[0], a[1])),
    "Weibull": (["pos", "pos"], lambda a: D.Weibull(a[0], a[1])),
    "Kumaraswamy": (["pos", "pos"], lambda a: D.Kumaraswamy(a[0], a[1])),
    "ContinuousBernoulli": (["prob"], lambda a: D.ContinuousBernoulli(probs=a[0])),
    "Bernoulli": (["prob"], lambda a: D.Bernoulli(probs=a[0])),
    "Geometric": (["prob"], lambda a: D.Geometric(probs=a[0])),
    "Binomial": (["count", "prob"], lambda a: D.Binomial(a[0], probs=a[1])),
    "Categorical": (["simplex"], lambda a: D.Categorical(probs=a[0])),
    "OneHotCategorical": (["simplex"], lambda a: D.OneHotCategorical(probs=a[0])),
    "OneHotCategoricalStraightThrough": (["simplex"], lambda a: D.OneHotCategoricalStraightThrough(probs=a[0])),
    "Dirichlet": (["posvec"], lambda a: D.Dirichlet(a[0])),
    "IndependentNormal": (["real", "pos"], lambda a: D.Independent(D.Normal(a[0], a[1]), 1)),
    "LogisticNormal": (["real", "pos"], lambda a: D.LogisticNormal(a[0], a[1])),
    "RelaxedBernoulli": (["temp", "prob"], lambda a: D.RelaxedBernoulli(a[0], probs=a[1])),
    "RelaxedOneHotCategorical": (["temp", "simplex"], lambda a: D.RelaxedOneHotCategorical(a[0], probs=a[1])),
    "MultivariateNormal": (["realvec", "spd"], lambda a: D.MultivariateNormal(a[0], covariance_matrix=a[1])),
    "Wishart": (["df", "spd"], lambda a: D.Wishart(a[0], covariance_matrix=a[1])),
    "StudentT": (["pos", "real", "pos"], lambda a: D.StudentT(a[0], a[1], a[2])),
}


def params(family, batch, shift, dtype):
    out = []
    for i, kind in enumerate(FAMILIES[family][0]):
        s = shift + 5 * i
        if kind == "simplex":
            out.append(simplex(batch + (4,), s, dtype))
        elif kind == "posvec":
            out.append(vals("pos", batch + (4,), s, dtype))
        elif kind == "realvec":
            out.append(vals("real", batch + (2,), s, dtype))
        elif kind == "spd":
            out.append(spd(batch, 2, s, dtype))
        elif kind == "df":
            out.append(vals("pos", batch, s, dtype) + 1.5)
        elif kind == "temp" and family == "RelaxedOneHotCategorical":
            out.append(vals("temp", (), s, dtype))
        elif kind == "count":
            out.append(vals("count", batch, s, dtype))
        else:
            out.append(vals(kind, batch, s, dtype))
    return out


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=F64).reshape(shape)


def fmt_tensor(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(t.reshape(-1).tolist()))


def run(pf, qf, pin, qin):
    inputs = pin + qin
    ins = [t.clone().requires_grad_(t.is_floating_point()) for t in inputs]
    lines = ["in%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(inputs)]
    try:
        p = FAMILIES[pf][1](ins[:len(pin)])
        q = FAMILIES[qf][1](ins[len(pin):])
        out = D.kl_divergence(p, q)
    except NotImplementedError as e:
        # the TransformedDistribution and Independent rules raise a bare NotImplementedError
        return lines + ["error NotImplementedError " + (str(e) or "<bare>")]
    except Exception as e:
        return lines + ["error %s %s" % (type(e).__name__, str(e).strip().split("\n")[0])]
    lines.append("out " + fmt_tensor(out))
    # Ember names nodes without PyTorch's C++ namespace (torch::autograd::CopySlices is CopySlices)
    lines.append("fn " + (out.grad_fn.name().replace("torch::autograd::", "") if out.grad_fn is not None else "None"))
    if out.requires_grad:
        (out * weights(out.shape).to(out.dtype)).sum().backward()
        for i, t in enumerate(ins):
            if t.requires_grad:
                lines.append("grad%d %s" % (i, fmt_tensor(t.grad) if t.grad is not None else "none"))
    return lines


CASES = []


def case(pf, qf, variant, pbatch, qbatch, dtype=F64):
    name = "%s-%s %s" % (pf, qf, variant)
    CASES.append((name, pf, qf, params(pf, pbatch, 0, dtype), params(qf, qbatch, 3, dtype)))


# every pair of PyTorch 2.x's registry among these families (the same-family pairs the older tests cover too)
REGISTERED = [(p.__name__, q.__name__) for p, q in D.kl._KL_REGISTRY
              if p.__name__ in FAMILIES and q.__name__ in FAMILIES]
for pf, qf in REGISTERED + [("ExponentialFamily", "Wishart")]:
    if pf == "ExponentialFamily":
        pf = "Wishart"
    pair = pf + "-" + qf
    case(pf, qf, "float64", (2, 3), (3,))
    case(pf, qf, "float32", (2, 3), (3,), torch.float32)
    case(pf, qf, "broadcast q", (3,), (2, 3))
    case(pf, qf, "scalar", (), ())
    if pair in ("Bernoulli-Bernoulli", "Beta-Uniform"):  # their masks need the result's shape on both sides
        case(pf, qf, "same shape", (2, 3), (2, 3))
# lookup through subclasses and the TransformedDistribution rule
for pf, qf in [("Chi2", "Normal"), ("Chi2", "Gamma"), ("Exponential", "Chi2"), ("Chi2", "Gumbel"), ("Chi2", "Beta"),
               ("OneHotCategoricalStraightThrough", "OneHotCategorical"), ("HalfCauchy", "HalfCauchy"),
               ("HalfNormal", "HalfCauchy"), ("LogNormal", "LogNormal"), ("Gumbel", "LogNormal"), ("Pareto", "Gumbel"),
               ("Weibull", "Weibull"), ("Kumaraswamy", "Kumaraswamy"), ("LogisticNormal", "LogisticNormal"),
               ("RelaxedBernoulli", "RelaxedBernoulli"), ("RelaxedOneHotCategorical", "RelaxedOneHotCategorical"),
               ("IndependentNormal", "IndependentNormal"), ("Gumbel", "Weibull"), ("Pareto", "Pareto")]:
    case(pf, qf, "float64", (2, 3), (3,))
# equal transforms (the same parameters on both sides): the bases' divergence
for f in ["Weibull", "Kumaraswamy", "HalfNormal", "Pareto"]:
    CASES.append((f + "-" + f + " same transforms", f, f, params(f, (3,), 0, F64), params(f, (3,), 0, F64)))
# Binomials of different total counts: infinite where p's count exceeds q's, PyTorch's error where q's exceeds p's
CASES.append(("Binomial-Binomial counts", "Binomial", "Binomial",
              [torch.tensor([5, 4, 6]), vals("prob", (3,), 0, F64)], [torch.tensor([5, 3, 2]), vals("prob", (3,), 3, F64)]))
CASES.append(("Binomial-Binomial q count above", "Binomial", "Binomial",
              [torch.tensor([5, 3]), vals("prob", (2,), 0, F64)], [torch.tensor([5, 4]), vals("prob", (2,), 3, F64)]))
# pairs with no rule
for pf, qf in [("Laplace", "Cauchy"), ("Gumbel", "Laplace"), ("Cauchy", "Normal"), ("HalfNormal", "Normal"),
               ("MultivariateNormal", "Normal"), ("StudentT", "StudentT"), ("IndependentNormal", "Normal"),
               ("Uniform", "Laplace"), ("Pareto", "Laplace"), ("Categorical", "OneHotCategorical"),
               ("Normal", "Bernoulli"), ("Wishart", "Normal"), ("Dirichlet", "Beta"), ("Poisson", "Geometric"),
               ("Geometric", "Poisson"), ("Binomial", "Poisson"), ("Bernoulli", "Binomial")]:
    case(pf, qf, "float64", (3,), (3,))

if __name__ == "__main__":
    for name, pf, qf, pin, qin in CASES:
        print("=== " + name)
        for line in run(pf, qf, pin, qin):
            print(line)
