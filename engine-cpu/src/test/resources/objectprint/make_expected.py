"""Expected printouts for ObjectPrintTest: what print() shows for objects users print that are not tensors or result
tuples: optimizers (every one, PyTorch's defaults), distributions (every one Ember has, scalar and batched
parameters), parameters, dtypes, devices, finfo/iinfo.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  texts.txt (name|repr, newlines as \\n).
Optimizers: 1.13's groups lack keys 2.x adds (foreach/fused/capturable/differentiable/decoupled_weight_decay, as each
optimizer's 2.x __init__ lists them), so their expectations are written here from 2.x's defaults
(torch/optim/*.py): the values and their Python types (ints where 2.x's default is an int) are what 1.13 prints for
the keys both have, checked below.
"""
import torch
from torch import distributions as D

out = []


def case(name, value):
    text = value if isinstance(value, str) else repr(value)
    assert "\\" not in text and "|" not in text
    out.append(name + "|" + text.replace("\n", "\\n"))


# ---- optimizers: 2.x's default groups (sorted keys), checked against 1.13 where both have a key (fused: 1.13's Adam
# default False is None in 2.x)
p = [torch.zeros(1, requires_grad=True)]
O = torch.optim
V2 = {
    "SGD": (O.SGD(p, 0.01), dict(dampening=0, differentiable=False, foreach=None, fused=None, lr=0.01, maximize=False,
                                 momentum=0, nesterov=False, weight_decay=0)),
    "Adam": (O.Adam(p, 0.01), dict(amsgrad=False, betas=(0.9, 0.999), capturable=False, decoupled_weight_decay=False,
                                   differentiable=False, eps=1e-08, foreach=None, fused=None, lr=0.01, maximize=False,
                                   weight_decay=0)),
    "AdamW": (O.AdamW(p, 0.01), dict(amsgrad=False, betas=(0.9, 0.999), capturable=False, decoupled_weight_decay=True,
                                     differentiable=False, eps=1e-08, foreach=None, fused=None, lr=0.01,
                                     maximize=False, weight_decay=0.01)),
    "Adamax": (O.Adamax(p, 0.01), dict(betas=(0.9, 0.999), capturable=False, differentiable=False, eps=1e-08,
                                       foreach=None, lr=0.01, maximize=False, weight_decay=0)),
    "Adagrad": (O.Adagrad(p, 0.01), dict(differentiable=False, eps=1e-10, foreach=None, fused=None,
                                         initial_accumulator_value=0, lr=0.01, lr_decay=0, maximize=False,
                                         weight_decay=0)),
    "Adadelta": (O.Adadelta(p), dict(capturable=False, differentiable=False, eps=1e-06, foreach=None, lr=1.0,
                                     maximize=False, rho=0.9, weight_decay=0)),
    "RMSprop": (O.RMSprop(p, 0.01), dict(alpha=0.99, capturable=False, centered=False, differentiable=False, eps=1e-08,
                                         foreach=None, lr=0.01, maximize=False, momentum=0, weight_decay=0)),
    "Rprop": (O.Rprop(p, 0.01), dict(capturable=False, differentiable=False, etas=(0.5, 1.2), foreach=None, lr=0.01,
                                     maximize=False, step_sizes=(1e-06, 50))),
    "ASGD": (O.ASGD(p, 0.01), dict(alpha=0.75, capturable=False, differentiable=False, foreach=None, lambd=0.0001,
                                   lr=0.01, maximize=False, t0=1000000.0, weight_decay=0)),
    "NAdam": (O.NAdam(p, 0.01), dict(betas=(0.9, 0.999), capturable=False, decoupled_weight_decay=False,
                                     differentiable=False, eps=1e-08, foreach=None, lr=0.01, maximize=False,
                                     momentum_decay=0.004, weight_decay=0)),
    "RAdam": (O.RAdam(p, 0.01), dict(betas=(0.9, 0.999), capturable=False, decoupled_weight_decay=False,
                                     differentiable=False, eps=1e-08, foreach=None, lr=0.01, maximize=False,
                                     weight_decay=0)),
    "LBFGS": (O.LBFGS(p), dict(history_size=100, line_search_fn=None, lr=1, max_eval=25, max_iter=20,
                               tolerance_change=1e-09, tolerance_grad=1e-07)),
}
for name, (opt, group) in V2.items():
    for k, v in opt.param_groups[0].items():
        if k != "params":
            assert k in group and repr(group[k]) == repr(v) or k in ("foreach", "fused"), (name, k, v, group.get(k))
    text = name + " (\nParameter Group 0\n"
    for k in sorted(group):
        text += "    {}: {}\n".format(k, group[k])
    case("optim_" + name, text + ")")
# two groups, options set by the user
two = O.SGD([{"params": p}, {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.5}], lr=0.1, momentum=0.9,
            weight_decay=1e-4, nesterov=True)
text = "SGD ("
for i, g in enumerate(two.param_groups):
    full = dict(g, differentiable=False, foreach=None, fused=None)
    text += "\nParameter Group {}\n".format(i)
    for k in sorted(full):
        if k != "params":
            text += "    {}: {}\n".format(k, full[k])
case("optim_SGD_two_groups", text + ")")

# param_groups[0] as print shows the dict: 1.13's groups with 2.x's keys (SGD gains fused=None at the end; Adam's fused
# default is None and decoupled_weight_decay comes last, as 2.x's defaults dicts order them)
w = torch.nn.Parameter(torch.tensor([1., 2.]))
g = O.SGD([w], 0.1, momentum=0.9).param_groups[0]
g["fused"] = None
case("param_group_sgd", g)
g = O.Adam([w]).param_groups[0]
g["fused"] = None
g["decoupled_weight_decay"] = False
case("param_group_adam", g)
case("param_group_lbfgs", O.LBFGS([w], line_search_fn="strong_wolfe").param_groups[0])
sch_opt = O.SGD([w], 0.1)
O.lr_scheduler.StepLR(sch_opt, 2)
g = sch_opt.param_groups[0]
g = dict(list(g.items())[:-1] + [("fused", None)] + list(g.items())[-1:])  # 2.x: fused before the scheduler's key
case("param_group_scheduled", g)



def v2_state_dict(opt, extra):
    """1.13's optimizer.state_dict() with 2.x's added group keys inserted before 'params' (the last key)."""
    sd = opt.state_dict()
    groups = []
    for g in sd["param_groups"]:
        items = [(k, v) for k, v in g.items() if k != "params"]
        if "fused" in g:
            items = [(k, v) for k, v in items if k != "fused"]
        groups.append(dict(items + list(extra.items()) + [("params", g["params"])]))
    return {"state": sd["state"], "param_groups": groups}


sp = torch.nn.Parameter(torch.tensor([1., 2.]))
sgd = O.SGD([sp], 0.1, momentum=0.9)
case("optim_state_fresh", v2_state_dict(sgd, {"fused": None}))
sp.grad = torch.tensor([0.5, -1.])
sgd.step()
case("optim_state_sgd", v2_state_dict(sgd, {"fused": None}))
ap = torch.nn.Parameter(torch.tensor([1., 2.]))
adam = O.Adam([ap], 0.01)
ap.grad = torch.tensor([0.5, -1.])
adam.step()
case("optim_state_adam", v2_state_dict(adam, {"fused": None, "decoupled_weight_decay": False}))

# ---- distributions
t2 = torch.tensor([0.5, 1.5])
pr = torch.tensor([0.2, 0.3, 0.5])
dists = {
    "Normal": D.Normal(0., 1.), "Normal_batched": D.Normal(t2, t2),
    # one element but not 0-dim: format(tensor) is the tensor's repr (only a 0-dim tensor formats as its number)
    "Normal_one": D.Normal(torch.tensor([0.5]), torch.tensor([1.])),
    "Exponential_one_2d": D.Exponential(torch.tensor([[2.]])),
    "Bernoulli": D.Bernoulli(0.3), "Bernoulli_logits": D.Bernoulli(logits=t2),
    "Beta": D.Beta(2., 3.), "Beta_batched": D.Beta(t2, t2),
    "Binomial": D.Binomial(torch.tensor(5.), torch.tensor(0.3)), "Binomial_logits": D.Binomial(torch.tensor([5., 3.]), logits=t2),
    "Categorical": D.Categorical(pr), "Categorical_logits": D.Categorical(logits=pr),
    "Cauchy": D.Cauchy(0., 1.), "Chi2": D.Chi2(3.), "Chi2_batched": D.Chi2(t2),
    "ContinuousBernoulli": D.ContinuousBernoulli(0.3), "Dirichlet": D.Dirichlet(pr),
    "Exponential": D.Exponential(2.), "FisherSnedecor": D.FisherSnedecor(2., 3.), "Gamma": D.Gamma(2., 3.),
    "Gamma_batched": D.Gamma(t2, 2.),
    "Geometric": D.Geometric(0.3), "Gumbel": D.Gumbel(0., 1.), "HalfCauchy": D.HalfCauchy(1.),
    "HalfNormal": D.HalfNormal(1.), "HalfNormal_batched": D.HalfNormal(t2),
    "Independent": D.Independent(D.Normal(t2, t2), 1),
    "Kumaraswamy": D.Kumaraswamy(2., 3.), "LKJCholesky": D.LKJCholesky(3, 0.5), "Laplace": D.Laplace(0., 1.),
    "LogNormal": D.LogNormal(0., 1.), "LogisticNormal": D.LogisticNormal(t2, t2),
    "LowRankMultivariateNormal": D.LowRankMultivariateNormal(t2, torch.ones(2, 1), t2),
    "MixtureSameFamily": D.MixtureSameFamily(D.Categorical(torch.tensor([0.5, 0.5])), D.Normal(t2, t2)),
    "Multinomial": D.Multinomial(4, pr), "MultivariateNormal": D.MultivariateNormal(t2, torch.eye(2)),
    "MultivariateNormal_tril": D.MultivariateNormal(t2, scale_tril=torch.eye(2)),
    "NegativeBinomial": D.NegativeBinomial(torch.tensor(3.), torch.tensor(0.4)),
    "OneHotCategorical": D.OneHotCategorical(pr), "OneHotCategoricalStraightThrough": D.OneHotCategoricalStraightThrough(pr),
    "Pareto": D.Pareto(1., 2.), "Poisson": D.Poisson(2.), "Poisson_batched": D.Poisson(t2),
    "RelaxedBernoulli": D.RelaxedBernoulli(torch.tensor(0.5), torch.tensor(0.3)),
    "LogitRelaxedBernoulli": torch.distributions.relaxed_bernoulli.LogitRelaxedBernoulli(torch.tensor(0.5), torch.tensor(0.3)),
    "RelaxedOneHotCategorical": D.RelaxedOneHotCategorical(torch.tensor(0.5), pr),
    "ExpRelaxedCategorical": torch.distributions.relaxed_categorical.ExpRelaxedCategorical(torch.tensor(0.5), pr),
    "StudentT": D.StudentT(3., 0., 1.), "Uniform": D.Uniform(0., 2.), "Uniform_batched": D.Uniform(t2 - 1, t2),
    "VonMises": D.VonMises(0., 1.), "Weibull": D.Weibull(1., 2.),
    "Wishart": D.Wishart(torch.tensor(3.), torch.eye(2)),
}
for name, d in dists.items():
    case("dist_" + name, d)

# ---- constraints, transforms, supports
C = D.constraints
T = D.transforms
for name, c in [("positive", C.positive), ("real", C.real), ("interval", C.interval(0., 1.)),
                ("integer_interval", C.integer_interval(0, 5)), ("independent", C.independent(C.real, 1)),
                ("simplex", C.simplex), ("lower_cholesky", C.lower_cholesky),
                ("positive_definite", C.positive_definite), ("corr_cholesky", C.corr_cholesky),
                ("nonnegative_integer", C.nonnegative_integer), ("unit_interval", C.unit_interval),
                ("boolean", C.boolean), ("greater_than", C.greater_than(2.)), ("nonnegative", C.nonnegative),
                ("real_vector", C.real_vector), ("one_hot", C.one_hot), ("dependent", C.dependent),
                ("multinomial", C.multinomial(3)), ("half_open_interval", C.half_open_interval(0., 1.)),
                ("cat", C.cat([C.real, C.positive], 0, [1, 1])), ("stack", C.stack([C.real, C.positive], 0))]:
    case("constraint_" + name, c)
for name, t in [("exp", T.ExpTransform()), ("affine", T.AffineTransform(0., 2.)), ("sigmoid", T.SigmoidTransform()),
                ("tanh", T.TanhTransform()), ("softmax", T.SoftmaxTransform()),
                ("stick_breaking", T.StickBreakingTransform()), ("lower_cholesky", T.LowerCholeskyTransform()),
                ("power", T.PowerTransform(2.)), ("abs", T.AbsTransform()), ("softplus", T.SoftplusTransform()),
                ("compose", T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0., 2.)])),
                ("independent", T.IndependentTransform(T.ExpTransform(), 1)),
                ("reshape", T.ReshapeTransform((2, 2), (4,))), ("corr_cholesky", T.CorrCholeskyTransform()),
                ("cdf", T.CumulativeDistributionTransform(D.Normal(0., 1.))),
                ("cat", T.CatTransform([T.ExpTransform(), T.ExpTransform()], 0, [1, 1])),
                ("stack", T.StackTransform([T.ExpTransform(), T.ExpTransform()])), ("inverse", T.ExpTransform().inv)]:
    case("transform_" + name, t)
case("support_normal", D.Normal(0., 1.).support)
case("support_beta", D.Beta(1., 1.).support)
case("transformed", D.TransformedDistribution(D.Normal(0., 1.), [T.ExpTransform()]))

# ---- other objects
w = torch.nn.Parameter(torch.tensor([1., 2.]))
case("parameter", w)
case("parameter_frozen", torch.nn.Parameter(torch.tensor([1., 2.]), requires_grad=False))
case("dtype_float32", torch.float32)
case("dtype_int64", torch.int64)
case("dtype_bool", torch.bool)
# print() shows str(device) ('cpu', 'cuda:0'); repr's device(type='cpu') only inside containers
case("device_cpu", str(torch.device("cpu")))
case("device_cuda0", str(torch.device("cuda", 0)))
case("finfo_float32", torch.finfo(torch.float32))
case("finfo_float64", torch.finfo(torch.float64))
case("finfo_float16", torch.finfo(torch.float16))
case("finfo_bfloat16", torch.finfo(torch.bfloat16))
case("iinfo_int32", torch.iinfo(torch.int32))
case("iinfo_uint8", torch.iinfo(torch.uint8))
case("iinfo_int16", torch.iinfo(torch.int16))
case("iinfo_int64", torch.iinfo(torch.int64))

# ---- containers and parametrized modules (module reprs do not print weights)
nn = torch.nn
seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
case("sequential", seq)
case("sequential_slice", seq[1:])
# 2.x's ModuleList.__repr__ folds repeated reprs ((0-2): 3 x ...); 1.13 lists each, so this one is written as 2.x
ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
lin = repr(nn.Linear(2, 2))
case("modulelist", "ModuleList(\n  (0-2): 3 x " + lin + "\n  (3): ReLU()\n)")
case("moduledict", nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()}))
case("parameterlist", nn.ParameterList([nn.Parameter(torch.zeros(2, 3)), nn.Parameter(torch.zeros(4))]))
case("parameterdict", nn.ParameterDict({"a": nn.Parameter(torch.zeros(2)), "b": nn.Parameter(torch.zeros(1, 3))}))
sd_lin = nn.Linear(2, 1)
with torch.no_grad():
    sd_lin.weight.copy_(torch.tensor([[0.5, -1.]]))
    sd_lin.bias.fill_(0.25)
# Python 3.11's OrderedDict repr (3.12 writes OrderedDict({'weight': ...}))
case("state_dict", sd_lin.state_dict())
case("state_dict_bn", nn.BatchNorm1d(2).state_dict())
case("state_dict_empty", nn.ReLU().state_dict())
P = torch.nn.utils.parametrizations


class _WeightNorm(nn.Module):
    """2.x's parametrizations.weight_norm (not in 1.13) registers a _WeightNorm, which has no extra_repr: the same
    printout comes from registering a module of that name."""

    def forward(self, x):
        return x


case("weight_norm", torch.nn.utils.parametrize.register_parametrization(nn.Linear(2, 3), "weight", _WeightNorm()))
case("spectral_norm", P.spectral_norm(nn.Linear(2, 3)))
case("orthogonal", P.orthogonal(nn.Linear(3, 3)))

with open("texts.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
