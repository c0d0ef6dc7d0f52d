# Differential fuzz, round 6 (DifferentialFuzzR6Test.java): the probabilistic and optimizer families round 5 left, with
# PyTorch's results or messages:
#   - transforms (section "T"): random chains of every Transform class (Exp, Sigmoid, Tanh, Abs, Softplus, Affine with
#     scalar or tensor parameters and event_dim, Power, Softmax, StickBreaking, LowerCholesky, CorrCholesky, Reshape,
#     Independent, Cat, Stack, CumulativeDistribution, Compose, inverses): forward, inverse, log_abs_det_jacobian, the
#     inverse's own log_abs_det_jacobian, domain/codomain event dims, event_dim, sign, bijective, forward/inverse_shape,
#     repr, and the float64 gradients of sum(y w) + sum(ladj w) with respect to x and the transforms' tensors;
#   - nested distributions (section "D"): Independent (reinterpreted_batch_ndims, shapes, log_prob, entropy, mean,
#     variance, mode, enumerate_support, expand, sample shapes, support), MixtureSameFamily (log_prob, cdf, mean,
#     variance, shapes, its constructor's messages), TransformedDistribution over the random transform chains
#     (log_prob with gradients, cdf, icdf, shapes, support), and KL of Independent and TransformedDistribution pairs;
#   - LBFGS (section "L"): Rosenbrock, a least-squares and a small MLP, every option, the loss, closure calls,
#     parameters and state counters after each step;
#   - SWA (section "W"): AveragedModel (default average, avg_fn, multi_avg_fn ema, use_buffers) and update_bn over a
#     small Linear-BatchNorm model; SWALR (section "S" with kind SWALR) alone and after another scheduler;
#   - state-dict round trips (section "R" optimizers, "Q" schedulers): k steps, state_dict, fresh objects,
#     load_state_dict, the rest; and the loads PyTorch refuses (messages; nothing changed).
#   run: cd engine-cpu/src/test/resources/fuzz6 && /usr/bin/python3 make_cases.py > cases.txt   (PyTorch 1.13, CPU)
#   (seed 6; FUZZ_SEED and FUZZ_SCALE draw another or a larger set for a local hunt; what hunts found is pinned first)
#
# Format: "=== <id> <kind> <name>", then the case's lines. A tensor is written as in rounds 1-5
# ("dtype [shape] : [values]"). Answers: "r <tensor>", "s <string>" (a repr, \n escaped), "e <PythonType> <message>",
# "x" (NotImplementedError).
#   T  "t <spec>" (the transform, in the grammar of parse_transform below; "$i" is the i-th "tp <tensor>" line, float64
#      ones requiring grad), "x <tensor>", then queries "q <what> [arg]" each with its answer; "q grad" is followed by
#      "gx <tensor>" and "g<i> <tensor>|none" for the tensors.
#   D  a stack program building the distribution(s): "c <Class> <validate>" + "p" lines as round 5 (pushes it);
#      "w Independent <n> <validate>" (pops the base), "w Mixture <validate>" (pops the component, then the mixture),
#      "w Transformed <validate> <spec>" (pops the base; "$i" the i-th "tp" line). Every float64 tensor of a "p" or "tp"
#      line requires grad and is parameter i in the order of the lines. Queries as round 5 ("q glp" gradients "g<i>"
#      over every parameter) and "q bshape", "q eshape", "q sshape <ints>" (the shape of sample(shape)), "q support"
#      ("s" repr), "q kl" (kl_divergence of the two distributions on the stack, bottom first).
#   tol <x>: the case's relative tolerance where it is looser than the dtype's (1e-9 float64, 1e-4 float32)
#
# 1.13 vs 2.x (Ember follows 2.x): see the notes at each section.
import math
import os
import random
import sys
import warnings

import numpy as np
import torch
import torch.distributions as D
import torch.distributions.transforms as TR
from torch.distributions.kl import kl_divergence

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "6"))
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
torch.set_default_dtype(torch.float32)

# PyTorch 2.x behaviour patched into 1.13 (Ember follows 2.x), as round 5 does:
# - Gamma.cdf (1.13 has none), Exponential.icdf (-log1p(-value) / rate), Dirichlet's (so Beta's) log_prob with xlogy,
#   and binary_cross_entropy_with_logits' (1 - t) x - log_sigmoid(x) in Bernoulli and Geometric;
# - MixtureSameFamily._pad_mixture_dimensions counting batch dims with len() (1.13 counts elements with numel(), so a
#   mixture whose batch broadcasts to the components' gets a wrong shape), and its refusal of a mixture that is not a
#   Categorical spelling "torch.distributions.Categorical" (1.13: "distribtutions").


def _gamma_cdf(self, value):
    if self._validate_args:
        self._validate_sample(value)
    return torch.special.gammainc(self.concentration, self.rate * value)


D.Gamma.cdf = _gamma_cdf
D.Exponential.icdf = lambda self, value: -torch.log1p(-value) / self.rate


class _Bce2(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        return (1 - t) * x - torch.nn.functional.logsigmoid(x)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        gx = (torch.sigmoid(x) - t) * g
        gt = -x * g
        return (gx.sum_to_size(x.shape) if ctx.needs_input_grad[0] else None,
                gt.sum_to_size(t.shape) if ctx.needs_input_grad[1] else None)


def _bce_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
    assert weight is None and pos_weight is None and reduction == "none"
    return _Bce2.apply(input, target)


for _m in (D.bernoulli, D.geometric, D.continuous_bernoulli):
    _m.binary_cross_entropy_with_logits = _bce_with_logits


def _dirichlet_log_prob(self, value):
    if self._validate_args:
        self._validate_sample(value)
    return (torch.xlogy(self.concentration - 1.0, value).sum(-1) + torch.lgamma(self.concentration.sum(-1))
            - torch.lgamma(self.concentration).sum(-1))


D.Dirichlet.log_prob = _dirichlet_log_prob


def _pad_mixture_dimensions(self, x):
    dist_batch_ndims = len(self.batch_shape)
    cat_batch_ndims = len(self.mixture_distribution.batch_shape)
    pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
    xs = x.shape
    return x.reshape(xs[:-1] + torch.Size(pad_ndims * [1]) + xs[-1:] + torch.Size(self._event_ndims * [1]))


D.MixtureSameFamily._pad_mixture_dimensions = _pad_mixture_dimensions
_msf_init = D.MixtureSameFamily.__init__


def _msf_init2(self, mixture_distribution, component_distribution, validate_args=None):
    if not isinstance(mixture_distribution, D.Categorical):
        raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
    _msf_init(self, mixture_distribution, component_distribution, validate_args)


D.MixtureSameFamily.__init__ = _msf_init2

NAME = {torch.float64: "float64", torch.float32: "float32", torch.int64: "int64", torch.bool: "bool"}


def fmt_num(v):
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def fmt_tensor(t):
    t = t.detach()
    flat = t.reshape(-1)
    if t.dtype == torch.float32:
        vals = [fmt_num(v) if not math.isfinite(v) else str(np.float32(v)) for v in flat.double().tolist()]
        vals = [v[:-2] + ".0" if v.endswith(".0") else v for v in vals]
        return "%s %s : [%s]" % ("float32", list(t.shape), ", ".join(vals))
    return "%s %s : [%s]" % (NAME[t.dtype], list(t.shape), ", ".join(fmt_num(v) for v in flat.tolist()))


def ints(v):
    return torch.tensor(list(v), dtype=torch.int64)


def esc(msg):
    return msg.replace("\\", "\\\\").replace("\n", "\\n")


def weights(shape):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(shape)


OUT = []
COUNT = [0]


def emit(kind, name, lines, case_id=None):
    COUNT[0] += 1
    OUT.append("=== %s %s %s" % (case_id or str(COUNT[0]), kind, name))
    OUT.extend(lines)


def answer(fn, lines, key="r"):
    """Runs fn; appends its result (a tensor, or a string as "s") or PyTorch's exception; returns the result."""
    try:
        res = fn()
    except NotImplementedError:
        lines.append("x")
        return None
    except Exception as e:  # noqa: BLE001
        lines.append("e %s %s" % (type(e).__name__, esc(str(e))))
        return None
    if isinstance(res, str):
        lines.append("s " + esc(res))
    elif isinstance(res, bool):
        lines.append("%s %s" % (key, fmt_tensor(torch.tensor(res))))
    elif isinstance(res, int):
        lines.append("%s %s" % (key, fmt_tensor(torch.tensor(res, dtype=torch.int64))))
    elif isinstance(res, (tuple, list, torch.Size)):
        lines.append("%s %s" % (key, fmt_tensor(ints(res))))
    else:
        lines.append("%s %s" % (key, fmt_tensor(res)))
    return res


# ------------------------------------------------------------------------------------------------------ transforms
#
# Spec grammar (space-separated tokens, prefix form):
#   exp | sigmoid | tanh | abs | softplus | softmax | stickbreaking | lowercholesky | corrcholesky
#   affine <loc> <scale> <event_dim>     (<loc>, <scale>: a number or $i)
#   power <exponent>                     (a number or $i)
#   compose <n> <t1> ... <tn>
#   indep <n> <t>                        IndependentTransform(t, n)
#   reshape <in> <out>                   shapes as comma lists, "_" for ()
#   cat <dim> <lengths> <n> <t1>...<tn>  CatTransform(tseq, dim, lengths)
#   stack <dim> <n> <t1>...<tn>          StackTransform(tseq, dim)
#   cdfnormal <loc> <scale>              CumulativeDistributionTransform(Normal(loc, scale))
#   inv <t>                              t.inv


def shape_of(tok):
    return () if tok == "_" else tuple(int(s) for s in tok.split(","))


def parse_transform(spec, tps):
    toks = spec.split(" ")
    pos = [0]

    def nxt():
        pos[0] += 1
        return toks[pos[0] - 1]

    def num(tok):
        return tps[int(tok[1:])] if tok.startswith("$") else float(tok)

    def one():
        k = nxt()
        simple = {"exp": TR.ExpTransform, "sigmoid": TR.SigmoidTransform, "tanh": TR.TanhTransform,
                  "abs": TR.AbsTransform, "softplus": TR.SoftplusTransform, "softmax": TR.SoftmaxTransform,
                  "stickbreaking": TR.StickBreakingTransform, "lowercholesky": TR.LowerCholeskyTransform,
                  "corrcholesky": TR.CorrCholeskyTransform}
        if k in simple:
            return simple[k]()
        if k == "affine":
            loc, scale, ed = num(nxt()), num(nxt()), int(nxt())
            return TR.AffineTransform(loc, scale, event_dim=ed)
        if k == "power":
            e = num(nxt())
            return TR.PowerTransform(e if isinstance(e, torch.Tensor) else torch.tensor(e))
        if k == "compose":
            n = int(nxt())
            return TR.ComposeTransform([one() for _ in range(n)])
        if k == "indep":
            n = int(nxt())
            return TR.IndependentTransform(one(), n)
        if k == "reshape":
            return TR.ReshapeTransform(torch.Size(shape_of(nxt())), torch.Size(shape_of(nxt())))
        if k == "cat":
            dim, lengths, n = int(nxt()), [int(s) for s in nxt().split(",")], int(nxt())
            return TR.CatTransform([one() for _ in range(n)], dim, lengths)
        if k == "stack":
            dim, n = int(nxt()), int(nxt())
            return TR.StackTransform([one() for _ in range(n)], dim)
        if k == "cdfnormal":
            return TR.CumulativeDistributionTransform(D.Normal(num(nxt()), num(nxt())))
        if k == "inv":
            return one().inv
        raise ValueError(k)

    t = one()
    assert pos[0] == len(toks), spec
    return t


class R:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def fill(self, shape, draw, edges, p_edge=0.15):
        n = int(np.prod(shape)) if len(shape) else 1
        vals = [self.rng.choice(edges) if edges and self.rng.random() < p_edge else draw() for _ in range(n)]
        return torch.tensor(vals, dtype=torch.float64).reshape(shape)

    def region(self, reg, shape, edges=True):
        """Values in a region, with its edge values sometimes (not for float32, where tanh and sigmoid of the edges
        round to 1 by PyTorch's 1-ulp vector functions and not by correctly rounded ones)."""
        e = (lambda *v: list(v)) if edges else (lambda *v: [])
        if reg == "real":
            return self.fill(shape, lambda: self.rng.gauss(0, 1.5), e(0.0, -12.0, 9.0, 1e-8, -0.0))
        if reg == "pos":
            return self.fill(shape, lambda: math.exp(self.rng.gauss(0, 1)), e(1e-6, 30.0, 1.0))
        if reg == "unit":
            return self.fill(shape, lambda: self.rng.uniform(0.01, 0.99), e(1e-6, 1 - 1e-6, 0.5))
        if reg == "pm1":
            return self.fill(shape, lambda: self.rng.uniform(-0.98, 0.98), e(0.0, 0.999, -0.999))
        raise ValueError(reg)


class TGen:
    """Draws a transform spec over inputs of a shape, with its tensor parameters."""

    def __init__(self, r, dtype=torch.float64):
        self.r = r
        self.tps = []
        self.dtype = dtype

    def tensor(self, t):
        self.tps.append(t.to(self.dtype))
        return "$%d" % (len(self.tps) - 1)

    def number_or_tensor(self, shape, draw):
        rng = self.r.rng
        if rng.random() < 0.5 or not shape:
            return repr(draw())
        # a tensor broadcasting to the input: a suffix of its shape (or a shape of ones)
        k = rng.randint(0, len(shape))
        sub = tuple(shape[len(shape) - k:])
        if sub and rng.random() < 0.3:
            sub = (1,) * len(sub)
        return self.tensor(torch.tensor([draw() for _ in range(int(np.prod(sub)) if sub else 1)],
                                        dtype=torch.float64).reshape(sub))

    def affine_params(self, shape, loc_draw=None, scale_draw=None):
        """(loc, scale) both numbers or both tensors (Ember's AffineTransform takes two doubles or two tensors: a
        number with a tensor, which PyTorch takes too, is left out)."""
        rng = self.r.rng
        loc_draw = loc_draw or (lambda: rng.choice([0.0, 1.5, -2.0, rng.gauss(0, 1)]))
        scale_draw = scale_draw or (lambda: rng.choice([1.0, -0.5, 2.0, 0.3, rng.gauss(0, 1)]))
        if rng.random() < 0.5 or not shape:
            return repr(loc_draw()), repr(scale_draw())
        out = []
        for draw in (loc_draw, scale_draw):
            k = rng.randint(0, len(shape))
            sub = tuple(shape[len(shape) - k:])
            if sub and rng.random() < 0.3:
                sub = (1,) * len(sub)
            out.append(self.tensor(torch.tensor([draw() for _ in range(int(np.prod(sub)) if sub else 1)],
                                                dtype=torch.float64).reshape(sub)))
        return tuple(out)

    def elementwise(self, reg, shape, n):
        """n elementwise steps from region reg: (specs, the region reached)."""
        rng = self.r.rng
        out = []
        for _ in range(n):
            choices = ["exp", "sigmoid", "tanh", "softplus", "affine", "affine"]
            if rng.random() < 0.08:
                choices.append("abs")
            if reg in ("pos", "unit"):
                choices += ["power", "inv exp", "inv softplus", "inv power"]
            if reg == "unit":
                choices += ["inv sigmoid", "inv sigmoid"]
            if reg == "pm1":
                choices += ["inv tanh", "inv tanh"]
            k = rng.choice(choices)
            if k == "affine":
                out.append("affine %s %s 0" % self.affine_params(shape))
                reg = "real"
            elif k in ("power", "inv power"):
                e = self.number_or_tensor(shape, lambda: rng.choice([2.0, 0.5, 3.0, -1.0, 1.7]))
                out.append(("inv " if k.startswith("inv") else "") + "power " + e)
                reg = "pos"
            else:
                out.append(k)
                reg = {"exp": "pos", "sigmoid": "unit", "tanh": "pm1", "softplus": "pos", "abs": "pos"}.get(k, "real")
        return out, reg

    def chain(self, shape, allow_event=True):
        """(spec, input region, input shape): a compose of elementwise steps, maybe ending in an event transform."""
        rng = self.r.rng
        reg = rng.choice(["real", "real", "pos", "unit", "pm1"])
        shape = tuple(shape)
        ev = rng.choice(["none", "none", "softmax", "stickbreaking", "lowercholesky", "corrcholesky", "reshape",
                         "indep", "cat", "stack", "cdfnormal", "affine1"]) if allow_event else "none"
        in_shape = shape
        if ev in ("softmax", "stickbreaking"):
            in_shape = shape + (rng.choice([2, 3, 4]),)
        elif ev == "lowercholesky":
            k = rng.choice([1, 2, 3])
            in_shape = shape + (k, k)
        elif ev == "corrcholesky":
            in_shape = shape + (rng.choice([1, 3, 6]),)
        elif ev == "reshape":
            a, b = rng.choice([((2, 3), (6,)), ((6,), (3, 2)), ((4,), (2, 2)), ((2, 2), (4,))])
            in_shape = shape + a
        elif ev in ("indep", "affine1"):
            in_shape = shape + (rng.choice([2, 3]),)
        elif ev == "cat":
            in_shape = shape + (rng.choice([3, 4]),)
        elif ev == "stack":
            in_shape = shape + (rng.choice([2, 3]),)
        parts, reg2 = self.elementwise(reg, in_shape, rng.choice([0, 1, 1, 2, 3]))
        if ev == "softmax":
            parts.append("softmax")
        elif ev == "stickbreaking":
            parts.append("stickbreaking")
        elif ev == "lowercholesky":
            parts.append("lowercholesky")
        elif ev == "corrcholesky":
            parts.append("corrcholesky")
        elif ev == "reshape":
            parts.append("reshape %s %s" % (",".join(map(str, a)), ",".join(map(str, b))))
        elif ev == "indep":
            sub, _ = self.elementwise(reg2, in_shape, rng.choice([1, 2]))
            parts.append("indep 1 " + self.compose(sub))
        elif ev == "affine1":
            parts.append("affine %s %s 1" % self.affine_params(in_shape, lambda: rng.gauss(0, 1),
                                                                lambda: rng.choice([2.0, -0.7, rng.gauss(0, 1)])))
        elif ev == "cat":
            n = in_shape[-1]
            cut = rng.randint(1, n - 1)
            subs = [self.elementwise(reg2, (), rng.choice([1, 2]))[0] for _ in range(2)]
            parts.append("cat -1 %d,%d 2 %s %s" % (cut, n - cut, self.compose(subs[0]), self.compose(subs[1])))
        elif ev == "stack":
            n = in_shape[-1]
            subs = [self.elementwise(reg2, (), rng.choice([1, 2]))[0] for _ in range(n)]
            parts.append("stack -1 %d %s" % (n, " ".join(self.compose(s) for s in subs)))
        elif ev == "cdfnormal":
            # loc and scale exact in float32: PyTorch makes number parameters tensors of the default type
            parts.append("cdfnormal %r %r" % (rng.choice([0.0, 0.5, -1.25, 1.0]), rng.choice([1.0, 0.5, 2.0])))
        if not parts:
            parts = ["exp" if reg == "real" else "affine 0.5 2.0 0"]
        return self.compose(parts), reg, in_shape

    def compose(self, parts):
        if len(parts) == 1 and self.r.rng.random() < 0.7:
            return parts[0]
        return "compose %d %s" % (len(parts), " ".join(parts))


def alternating(shape, e):
    """1 + e, 1 - e, 1 + e, ... over shape (float64)."""
    n = int(np.prod(shape)) if len(shape) else 1
    return torch.tensor([1 + (e if k % 2 == 0 else -e) for k in range(n)], dtype=torch.float64).reshape(shape)


def tp_lines(tps):
    return ["tp " + fmt_tensor(t) for t in tps]


def live(tps):
    return [t.detach().clone().requires_grad_(t.dtype == torch.float64) for t in tps]


def rel_change(a, b):
    """The largest relative change from a to b over a's finite elements; inf where b is not finite there."""
    fin = torch.isfinite(a)
    if bool((fin & ~torch.isfinite(b)).any()):
        return math.inf
    d = ((b - a).abs() / a.abs().clamp(min=1))[fin]
    return d.max().item() if d.numel() else 0.0


def grad_of(t, x, tps):
    """The gradient of sum(y w) + sum(ladj w) with respect to x (as the "grad" query)."""
    with torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)
        y = t(x)
        tot = (y * weights(y.shape)).sum()
        ladj = t.log_abs_det_jacobian(x, y)
        if ladj.requires_grad:
            tot = tot + (ladj * weights(ladj.shape)).sum()
        return torch.autograd.grad(tot, x)[0]


def transform_case(r, case_id=None, fixed=None):
    rng = r.rng
    dtype = torch.float64 if rng.random() < 0.85 else torch.float32
    g = TGen(r, dtype)
    if fixed is None:
        shape = rng.choice([(), (2,), (3,), (2, 3)])
        spec, reg, in_shape = g.chain(shape)
        if rng.random() < 0.25:
            spec = "inv " + spec  # x from the codomain, below
        if dtype == torch.float32 and "inv" in spec:
            # float32 inverses of tanh/sigmoid magnify the last bit of a saturated value (PyTorch's 1-ulp vector
            # tanh rounds tanh(9) to 1, a correctly rounded one to 1 - 2^-24): float64 there
            dtype = torch.float64
            g.dtype = dtype
            g.tps = [t.to(dtype) for t in g.tps]
        x0 = r.region(reg, in_shape, dtype == torch.float64).to(dtype)
    else:
        spec, tps, x0 = fixed
        g.tps = list(tps)
    lines = ["t " + spec] + tp_lines(g.tps)
    tps = live(g.tps)
    t = parse_transform(spec, tps)
    x_orig = None
    if spec.startswith("inv ") and fixed is None:
        with torch.no_grad():
            x_orig = x0
            x0 = t.inv(x0)  # into the inverse's domain: the original's codomain
    x = x0.detach().clone().requires_grad_(dtype == torch.float64)
    lines.append("x " + fmt_tensor(x))
    lines.append("q fwd")
    y = answer(lambda: t(x), lines)
    if y is not None:
        # conditioning: PyTorch's own round-trip errors (x -> y -> x, and for an inverse spec the original point ->
        # x -> back) show where inverting sigmoid near 1 or tanh near +-1 magnifies rounding; the values, inverses,
        # log-det-Jacobians and gradients are compared to 10 times the larger (at least 1e-9, float64)
        errs = []
        grad_errs = []
        with torch.no_grad():
            try:
                back = t.inv(y)
                if t.bijective and back.shape == x.shape:
                    errs.append(((back - x).abs() / x.abs().clamp(min=1)).max().item())
                if x_orig is not None:
                    errs.append(((y - x_orig).abs() / x_orig.abs().clamp(min=1)).max().item())
                if back.shape == x.shape:
                    # and the inverse's sensitivity to y moved by 4 ulps, alternately up and down (for every transform:
                    # LowerCholesky is no bijection to PyTorch but inverts on its image)
                    for e in (4e-16, -4e-16):
                        errs.append(rel_change(back, t.inv(y * alternating(y.shape, e))))
            except Exception:  # noqa: BLE001
                pass
            # and the sensitivity of y and the log-det-Jacobian to x's elements moved by 4 ulps, alternately up and
            # down (a uniform scaling would vanish in normalizing transforms)
            try:
                for f in (alternating(x.shape, 4e-16), alternating(x.shape, -4e-16)):
                    xp = x.detach() * f
                    yp = t(xp)
                    errs.append(((yp - y).abs() / y.abs().clamp(min=1)).max().item())
                    lp = t.log_abs_det_jacobian(xp, yp)
                    l0 = t.log_abs_det_jacobian(x.detach(), y.detach())
                    errs.append(((lp - l0).abs() / l0.abs().clamp(min=1)).max().item())
                    errs.append(((t.inv.log_abs_det_jacobian(y.detach(), x.detach()) + l0).abs()
                                 / l0.abs().clamp(min=1)).max().item())
                    if dtype == torch.float64:
                        grad_errs.append(rel_change(grad_of(t, x.detach(), tps), grad_of(t, xp, tps)))
            except Exception:  # noqa: BLE001
                pass
        # PyTorch's inverse does not give x back (saturated: tanh(30) is 1) or moves by more than 1e-3 under that
        # move: inverses left out
        inverts = all(math.isfinite(e) and e < 1e-3 for e in errs)
        errs = [e for e in errs if math.isfinite(e)]
        # gradients that move by more than 1e-3 (or become non-finite) under that move are left out
        grads_ok = all(e < 1e-3 for e in grad_errs)
        errs += grad_errs if grads_ok else []
        tol = max([1e-9] + [10 * e for e in errs])
        if dtype == torch.float64 and tol > 1e-9:
            lines.insert(lines.index("q fwd"), "tol %g" % tol)
        if inverts:
            lines.append("q inv")
            answer(lambda: t.inv(y), lines)
        lines.append("q ladj")
        ladj = answer(lambda: t.log_abs_det_jacobian(x, y), lines)
        if inverts:
            lines.append("q invladj")
            answer(lambda: t.inv.log_abs_det_jacobian(y, x), lines)
        if dtype == torch.float64 and grads_ok:
            lines.append("q grad")
            tot = (y * weights(y.shape)).sum()
            if ladj is not None and isinstance(ladj, torch.Tensor) and ladj.requires_grad:
                tot = tot + (ladj * weights(ladj.shape)).sum()
            ins = [x] + [p for p in tps if p.requires_grad]
            gs = torch.autograd.grad(tot, ins, allow_unused=True) if tot.requires_grad else [None] * len(ins)
            lines.append("gx " + ("none" if gs[0] is None else fmt_tensor(gs[0])))
            j = 1
            for i, p in enumerate(tps):
                if p.requires_grad:
                    lines.append("g%d %s" % (i, "none" if gs[j] is None else fmt_tensor(gs[j])))
                    j += 1
    lines.append("q dims")
    answer(lambda: [t.domain.event_dim, t.codomain.event_dim], lines)
    lines.append("q eventdim")
    answer(lambda: t.event_dim, lines)
    lines.append("q sign")
    answer(lambda: int(t.sign) if not isinstance(t.sign, torch.Tensor) else t.sign, lines)
    lines.append("q bij")
    answer(lambda: bool(t.bijective), lines)
    for key, f in (("fshape", t.forward_shape), ("ishape", t.inverse_shape)):
        s = list(x.shape)
        if rng.random() < 0.3:
            s = [rng.choice([1, 2, 5])] + s
        if rng.random() < 0.2 and s:
            s = s[1:]
        lines.append("q %s %s" % (key, ",".join(map(str, s)) if s else "_"))
        answer(lambda: f(torch.Size(s)), lines)
    lines.append("q repr")
    answer(lambda: repr(t), lines)
    lines.append("q invrepr")
    answer(lambda: repr(t.inv), lines)
    emit("T", spec.split(" ")[0] if not spec.startswith("inv") else "inv", lines, case_id)


# --------------------------------------------------------------------------------------------- nested distributions
#
# 1.13 vs 2.x: MixtureSameFamily's and Independent's code is the same in 2.x for what is drawn here, except
# MixtureSameFamily.cdf/log_prob's pad (the same results) and 2.x's Independent.support, which is
# independent(base.support, n) as 1.13's. 2.x's TransformedDistribution is 1.13's.

def base_params(r, cls_name, bshape, k=3):
    """[(name, tensor or None)] for cls_name with batch shape bshape (event size k where it has one)."""
    rng = r.rng
    b = tuple(bshape)
    g = lambda s, f: torch.tensor([f() for _ in range(int(np.prod(s)) if s else 1)],  # noqa: E731
                                  dtype=torch.float64).reshape(s)
    real = lambda: rng.gauss(0, 1.5)  # noqa: E731
    pos = lambda: math.exp(rng.gauss(0, 0.6))  # noqa: E731
    prob = lambda: rng.uniform(0.05, 0.95)  # noqa: E731
    if cls_name in ("Normal", "Laplace", "Cauchy", "Gumbel", "LogNormal"):
        return [("loc", g(b, real)), ("scale", g(b, pos))]
    if cls_name in ("Gamma",):
        return [("concentration", g(b, pos)), ("rate", g(b, pos))]
    if cls_name == "Beta":
        return [("concentration1", g(b, pos)), ("concentration0", g(b, pos))]
    if cls_name in ("Exponential", "Poisson"):
        return [("rate", g(b, pos))]
    if cls_name in ("Bernoulli", "Geometric"):
        if rng.random() < 0.5:
            return [("probs", g(b, prob)), ("logits", None)]
        return [("probs", None), ("logits", g(b, real))]
    if cls_name in ("Categorical", "OneHotCategorical"):
        if rng.random() < 0.5:
            p = g(b + (k,), lambda: rng.uniform(0.05, 1.0))
            return [("probs", p / p.sum(-1, keepdim=True)), ("logits", None)]
        return [("probs", None), ("logits", g(b + (k,), real))]
    if cls_name == "Dirichlet":
        return [("concentration", g(b + (k,), pos))]
    if cls_name == "MultivariateNormal":
        a = g(b + (k, k), lambda: rng.gauss(0, 0.7))
        tril = a.tril(-1) + torch.diag_embed(a.diagonal(dim1=-2, dim2=-1).abs() + 0.5)
        return [("loc", g(b + (k,), real)), ("covariance_matrix", None), ("precision_matrix", None),
                ("scale_tril", tril)]
    raise ValueError(cls_name)


EVENTFUL = {"Categorical": 0, "OneHotCategorical": 1, "Dirichlet": 1, "MultivariateNormal": 1}


def make_dist(cls_name, params, validate):
    cls = getattr(D, cls_name)
    return cls(validate_args=validate, **{n: t for n, t in params})


class Prog:
    """A stack program: its lines, the parameters (live tensors, in line order) and the stack of distributions."""

    def __init__(self):
        self.lines = []
        self.params = []
        self.stack = []

    def c(self, cls_name, params, validate):
        self.lines.append("c %s %d" % (cls_name, 1 if validate else 0))
        kw = []
        for n, t in params:
            if t is None:
                self.lines.append("p %s none" % n)
                kw.append((n, None))
            else:
                self.lines.append("p %s T %s" % (n, fmt_tensor(t)))
                lt = t.detach().clone().requires_grad_(t.dtype == torch.float64)
                self.params.append(lt)
                kw.append((n, lt))
        self.stack.append(make_dist(cls_name, kw, validate))

    def tps(self, tps):
        self.lines += tp_lines(tps)
        out = live(tps)
        self.params += out
        return out

    def independent(self, n, validate):
        self.lines.append("w Independent %d %d" % (n, 1 if validate else 0))
        base = self.stack.pop()
        self.stack.append(D.Independent(base, n, validate_args=validate))

    def mixture(self, validate):
        self.lines.append("w Mixture %d" % (1 if validate else 0))
        comp = self.stack.pop()
        mix = self.stack.pop()
        self.stack.append(D.MixtureSameFamily(mix, comp, validate_args=validate))

    def transformed(self, validate, spec, tps):
        self.lines.append("w Transformed %d %s" % (1 if validate else 0, spec))
        base = self.stack.pop()
        self.stack.append(D.TransformedDistribution(base, parse_transform(spec, tps), validate_args=validate))


def grads(out, params, lines):
    tens = [t for t in params if t.requires_grad]
    gs = torch.autograd.grad((out * weights(out.shape)).sum(), tens, allow_unused=True, retain_graph=True) \
        if tens and out.requires_grad else [None] * len(tens)
    for i, t in enumerate(params):
        if t.requires_grad:
            g = gs[tens.index(t) if False else sum(1 for u in params[:i] if u.requires_grad)]
            lines.append("g%d %s" % (i, "none" if g is None else fmt_tensor(g)))


def sample_value(r, d, shape=()):
    with torch.no_grad():
        torch.manual_seed(r.rng.randrange(1 << 30))
        try:
            # from a copy: sampling reads lazy probs, which would then show in the original's repr (its messages)
            v = d.expand(d.batch_shape).sample(shape).detach().clone()
        except (RuntimeError, AssertionError):
            # a MixtureSameFamily whose mixture batch broadcasts to the components' (PyTorch's gather fails)
            v = torch.zeros(d._extended_shape(shape), dtype=torch.float64)
    return v.double() if v.is_floating_point() else v


def MOVES(shape):
    """v's moves for cond: 4 ulps alternately up and down (either phase), and all up, all down."""
    return (alternating(shape, 4e-16), alternating(shape, -4e-16), alternating(shape, 0.0) * (1 + 4e-16),
            alternating(shape, 0.0) * (1 - 4e-16))


def cond(fn, v, lines, params=None):
    """False where fn (float64) is too ill-conditioned at v to compare (moving v's elements by 4 ulps, alternately up
    and down or all one way, makes it fail or non-finite where it was finite, or succeed where it failed: the value
    sits on the edge of what the inverse transforms resolve); else True, with a "qtol" line for the next query where
    10 times fn's relative change under that move (and that of the gradients of sum(fn w) with respect to params,
    where given) is above 1e-8 (the inverse of tanh near 1 in a TransformedDistribution's log_prob, say)."""
    if not v.is_floating_point() or v.dtype != torch.float64:
        return True
    try:
        with torch.no_grad():
            f0 = fn(v)
    except Exception as e0:  # noqa: BLE001
        # PyTorch's error is the answer where the moved values fail the same way (the message up to the values it
        # found): an inverse landing on NaN only by rounding (atanh of 1 + 1 ulp) is left out
        head = str(e0).split("but found invalid values")[0]
        for f in MOVES(v.shape):
            try:
                with torch.no_grad():
                    fn(v * f)
                return False
            except Exception as e1:  # noqa: BLE001
                if str(e1).split("but found invalid values")[0] != head:
                    return False
        return True
    errs = []
    for f in MOVES(v.shape):
        try:
            with torch.no_grad():
                f1 = fn(v * f)
        except Exception:  # noqa: BLE001
            return False
        if bool((torch.isfinite(f0) & ~torch.isfinite(f1)).any()):
            return False
        d = ((f1 - f0).abs() / f0.abs().clamp(min=1))[torch.isfinite(f0)]
        errs.append(d.max().item() if d.numel() else 0.0)
    live_ps = [p for p in (params or []) if p.requires_grad]
    if live_ps:
        def grads_at(u):
            with torch.enable_grad():
                out = fn(u)
                if not out.requires_grad:
                    return []
                return [g if g is not None else torch.zeros(()) for g in torch.autograd.grad(
                    (out * weights(out.shape)).sum(), live_ps, allow_unused=True, retain_graph=True)]
        try:
            g0 = grads_at(v)
            for f in MOVES(v.shape):
                for a, b in zip(g0, grads_at(v * f)):
                    e = rel_change(a, b)
                    if not math.isfinite(e) or e > 1e-3 or bool((~torch.isfinite(a) & torch.isfinite(b)).any()):
                        return False
                    errs.append(e)
        except Exception:  # noqa: BLE001
            pass
    if 10 * max(errs) > 1e-8:
        lines.append("qtol %g" % (10 * max(errs)))
    return True


def asserts(fn):
    """Whether fn raises a bare AssertionError (PyTorch's CatTransform/StackTransform on inputs without the dim):
    no message to compare, the query is left out."""
    try:
        fn()
    except AssertionError:
        return True
    except Exception:  # noqa: BLE001
        pass
    return False


def inverse_stable(d, v):
    """For a TransformedDistribution: whether the inverse chain's non-finite elements at v stay so when v moves by 4
    ulps (MOVES); a value whose inverse becomes NaN or infinite only by the last bit of a rounding (atanh at 1 +- 1 ulp
    after a saturated tanh, log of a rounding-negative 0) is left out, as which elements fail is then the rounding's."""
    if not isinstance(d, D.TransformedDistribution) or not v.is_floating_point():
        return True
    t = TR.ComposeTransform(list(d.transforms))
    with torch.no_grad():
        try:
            fin = torch.isfinite(t.inv(v))
            for f in MOVES(v.shape):
                if not torch.equal(fin, torch.isfinite(t.inv(v * f))):
                    return False
        except Exception:  # noqa: BLE001
            return True
    return True


def queries(r, prog, lines, kinds, value_fn):
    """The queries of a D case over the top of prog's stack."""
    d = prog.stack[-1]
    try:
        dc = d.expand(d.batch_shape)  # cond's evaluations: a copy, so that lazy probs/logits stay out of d's repr
    except Exception:  # noqa: BLE001
        dc = d
    rng = r.rng
    for what in kinds:
        if what in ("mean", "mode", "variance", "stddev", "entropy"):
            lines.append("q " + what)
            answer(lambda: getattr(d, what) if what != "entropy" else d.entropy(), lines)
        elif what in ("bshape", "eshape"):
            lines.append("q " + what)
            answer(lambda: d.batch_shape if what == "bshape" else d.event_shape, lines)
        elif what == "support":
            lines.append("q support")
            answer(lambda: repr(d.support), lines)
        elif what == "sshape":
            s = rng.choice([(), (2,), (3, 1)])
            try:
                d.expand(d.batch_shape).sample(s)
            except AssertionError:
                continue  # StackTransform's bare assert on a dim the input lacks: no message to compare
            lines.append("q sshape " + (",".join(map(str, s)) if s else "_"))
            answer(lambda: d.sample(s).shape, lines)
        elif what == "glp":
            v = value_fn()
            if asserts(lambda: dc.log_prob(v)) or not inverse_stable(d, v) or not cond(lambda u: dc.log_prob(u), v,
                                                                                            lines, prog.params):
                continue
            lines.append("q glp " + fmt_tensor(v))
            lp = answer(lambda: d.log_prob(v), lines)
            if lp is not None:
                grads(lp, prog.params, lines)
        elif what in ("cdf", "icdf"):
            v = value_fn() if what == "cdf" else torch.tensor(
                [rng.uniform(0.02, 0.98) for _ in range(int(np.prod(d.batch_shape)))],
                dtype=torch.float64).reshape(d.batch_shape)
            if asserts(lambda: getattr(dc, what)(v)) or what == "cdf" and not inverse_stable(d, v) or not cond(
                    lambda u: getattr(dc, what)(u), v, lines):
                continue
            lines.append("q %s %s" % (what, fmt_tensor(v)))
            answer(lambda: getattr(d, what)(v), lines)
        elif what == "enum":
            lines.append("q enum")
            answer(lambda: d.enumerate_support(expand=True), lines)
        elif what == "expand":
            shape = [rng.choice([1, 2])] + list(d.batch_shape)
            if rng.random() < 0.2 and len(d.batch_shape):
                shape[-1] = d.batch_shape[-1] + 1  # not expandable
            lines.append("q expand " + " ".join(str(s) for s in shape))
            try:
                de = d.expand(torch.Size(shape))
                lines.append("r " + fmt_tensor(ints(de.batch_shape)))
                lines.append("q eshape")
                answer(lambda: de.event_shape, lines)
            except NotImplementedError:
                lines.append("x")
            except Exception as e:  # noqa: BLE001
                lines.append("e %s %s" % (type(e).__name__, esc(str(e))))


def perturb(r, v, p=0.25):
    """v with an out-of-support element sometimes (for validate_args' messages)."""
    if r.rng.random() < p and v.numel() and v.is_floating_point():
        v = v.contiguous().clone()
        v.view(-1)[r.rng.randrange(v.numel())] = r.rng.choice([-1.0, 0.0, 1.5, 2.0, -0.5])
    return v


IND_BASES = ["Normal", "Laplace", "Gamma", "Beta", "Bernoulli", "Categorical", "Poisson", "Exponential", "Dirichlet",
             "MultivariateNormal", "OneHotCategorical", "LogNormal"]


def independent_case(r):
    rng = r.rng
    cls_name = rng.choice(IND_BASES)
    bshape = rng.choice([(2,), (3,), (2, 3), (1, 2), (2, 1, 3)])
    validate = rng.random() < 0.6
    n = rng.randint(0, len(bshape) + (1 if rng.random() < 0.1 else 0))
    prog = Prog()
    prog.c(cls_name, base_params(r, cls_name, bshape), validate)
    lines = prog.lines
    try:
        prog.independent(n, validate)
    except Exception as e:  # noqa: BLE001
        lines += ["q ctor", "e %s %s" % (type(e).__name__, esc(str(e)))]
        emit("D", "Independent", lines)
        return
    d = prog.stack[-1]
    if cls_name in ("MultivariateNormal", "Dirichlet"):
        lines.append("tol 1e-8")
    kinds = ["bshape", "eshape", "support", "mean", "variance", "mode", "entropy", "sshape", "glp", "glp", "enum",
             "expand"]
    if rng.random() < 0.5:
        kinds.append("stddev")
    rng.shuffle(kinds)

    def value():
        v = sample_value(r, d, rng.choice([(), (), (2,)]))
        return perturb(r, v) if cls_name not in ("Categorical",) else v
    queries(r, prog, lines, kinds, value)
    emit("D", "Independent", lines)


MIX_COMPONENTS = ["Normal", "Laplace", "Gamma", "Cauchy", "Gumbel", "Exponential", "Poisson", "Bernoulli",
                  "IndependentNormal", "MultivariateNormal", "Beta", "LogNormal", "TransformedNormal"]


def mixture_case(r):
    rng = r.rng
    comp = rng.choice(MIX_COMPONENTS)
    bshape = rng.choice([(), (2,), (3,), (2, 1)])
    k = rng.choice([1, 2, 3])
    validate = rng.random() < 0.6
    prog = Prog()
    lines = prog.lines
    mix_shape, comp_shape, comp_k = bshape, bshape, k
    bad = rng.random() < 0.12
    if bad:
        which = rng.choice(["k", "batch", "notcat"])
        if which == "k":
            comp_k = k + 1
        elif which == "batch":
            comp_shape = (4,) + tuple(bshape)
        else:
            prog.c("Normal", base_params(r, "Normal", bshape + (k,)), validate)
    if not bad or which != "notcat":
        prog.c("Categorical", base_params(r, "Categorical", mix_shape, k), validate)
    base_name = "Normal" if comp == "IndependentNormal" else comp
    e = rng.choice([2, 3])
    if comp == "IndependentNormal":
        prog.c("Normal", base_params(r, "Normal", tuple(comp_shape) + (comp_k, e)), validate)
        prog.independent(1, validate)
    elif comp == "TransformedNormal":
        # a TransformedDistribution component: Normal through a random elementwise chain
        g = TGen(r)
        cs = tuple(comp_shape) + (comp_k,)
        parts, _ = g.elementwise("real", cs, rng.choice([1, 2]))
        prog.c("Normal", base_params(r, "Normal", cs), validate)
        prog.transformed(validate, g.compose(parts), prog.tps(g.tps))
    else:
        prog.c(base_name, base_params(r, base_name, tuple(comp_shape) + (comp_k,), e), validate)
    try:
        prog.mixture(validate)
    except Exception as ex:  # noqa: BLE001
        lines += ["q ctor", "e %s %s" % (type(ex).__name__, esc(str(ex)))]
        emit("D", "MixtureSameFamily", lines)
        return
    d = prog.stack[-1]
    lines.append("tol 1e-8")
    kinds = ["bshape", "eshape", "support", "mean", "variance", "glp", "glp", "cdf", "expand"]
    kinds += [k for k in ("stddev", "mode", "entropy", "icdf") if rng.random() < 0.3]
    if d.mixture_distribution.batch_shape == d.batch_shape:
        kinds.append("sshape")  # else PyTorch's gather fails ("Index tensor must have the same number of dimensions")
    rng.shuffle(kinds)

    def value():
        v = sample_value(r, d, rng.choice([(), (), (2,)]))
        return perturb(r, v, 0.15)
    queries(r, prog, lines, kinds, value)
    emit("D", "MixtureSameFamily", lines)


def transformed_case(r, case_id=None):
    rng = r.rng
    bshape = rng.choice([(), (2,), (3,), (2, 3)])
    validate = rng.random() < 0.6
    g = TGen(r)
    spec, reg, in_shape = g.chain(bshape)
    prog = Prog()
    lines = prog.lines
    # the base: a distribution on the chain's input region, of the input's shape (its batch), sometimes Independent
    base = {"real": rng.choice(["Normal", "Laplace", "Cauchy"]), "pos": rng.choice(["Gamma", "Exponential", "LogNormal"]),
            "unit": "Beta", "pm1": "Uniform"}[reg]
    if len(in_shape) and rng.random() < 0.1:
        # a base of fewer dims than the chain expects: its constructor's checks (too few dims for the domain's
        # event dims, the transforms' forward_shape messages) where they refuse it
        in_shape = in_shape[1:]
    if base == "Uniform":
        lo = torch.full(in_shape, -1.0, dtype=torch.float64)
        prog.c("Uniform", [("low", lo), ("high", lo + 2.0)], validate)
    elif reg == "real" and len(in_shape) and rng.random() < 0.3:
        # a multivariate base (event dim 1) over the input's last dim
        prog.c("MultivariateNormal", base_params(r, "MultivariateNormal", in_shape[:-1], in_shape[-1]), validate)
    else:
        prog.c(base, base_params(r, base, in_shape), validate)
    if len(in_shape) > len(prog.stack[-1].event_shape) and rng.random() < 0.4:
        prog.independent(rng.randint(1, len(in_shape) - len(prog.stack[-1].event_shape)), validate)
    tps = prog.tps(g.tps)
    try:
        prog.transformed(validate, spec, tps)
    except Exception as ex:  # noqa: BLE001
        lines += ["q ctor", "e %s %s" % (type(ex).__name__, esc(str(ex)))]
        emit("D", "TransformedDistribution", lines, case_id)
        return
    d = prog.stack[-1]
    lines.append("tol 1e-8")
    kinds = ["bshape", "eshape", "support", "mean", "sshape", "glp", "glp", "cdf", "icdf", "expand"]
    kinds += [k for k in ("stddev", "mode", "variance", "entropy") if rng.random() < 0.3]
    rng.shuffle(kinds)

    def value():
        v = sample_value(r, d, rng.choice([(), (), (2,)]))
        return perturb(r, v, 0.2)
    queries(r, prog, lines, kinds, value)
    emit("D", "TransformedDistribution", lines, case_id)


def kl_case(r):
    """kl_divergence of two Independents (of one base class, the same or another n) or two TransformedDistributions
    (the same transform spec, so equal transforms where PyTorch's __eq__ says so)."""
    rng = r.rng
    prog = Prog()
    lines = prog.lines
    validate = rng.random() < 0.5
    if rng.random() < 0.6:
        cls_name = rng.choice(["Normal", "Gamma", "Bernoulli", "Categorical", "Beta", "Exponential", "Laplace"])
        bshape = rng.choice([(2,), (2, 3), (3,)])
        n1 = rng.randint(0, len(bshape))
        n2 = n1 if rng.random() < 0.8 else rng.randint(0, len(bshape))
        for n in (n1, n2):
            prog.c(cls_name, base_params(r, cls_name, bshape), validate)
            prog.independent(n, validate)
        name = "Independent~Independent"
    else:
        g = TGen(r)
        shape = rng.choice([(), (2,), (3,)])
        parts, _ = g.elementwise("real", shape, rng.choice([1, 2]))
        spec = g.compose(parts)
        tps = None
        for _ in range(2):
            prog.c("Normal", base_params(r, "Normal", shape), validate)
            if tps is None:
                tps = prog.tps(g.tps)
            prog.transformed(validate, spec, tps)
        name = "Transformed~Transformed"
    lines.append("q kl")
    k = answer(lambda: kl_divergence(prog.stack[0], prog.stack[1]), lines)
    if k is not None:
        grads(k, prog.params, lines)
    emit("D", name, lines)


# ------------------------------------------------------------------------------------------------------------ LBFGS
#
# "L" cases: "lbfgs <problem> <lr> <max_iter> <max_eval|None> <tolerance_grad> <tolerance_change> <history_size>
# <line_search_fn|None> <split>", the problem's data ("d<i> <tensor>") and parameters ("p<i> <tensor>", float64), then
# per step "step <k>" with "loss <tensor>" (what step returned), "calls <n>" (closure calls in the step), "fe <n>",
# "ni <n>" (state func_evals, n_iter), "st <key> <number>" (t, prev_loss, H_diag, n_dirs: the number of old_dirs)
# and "v <i> <tensor>" (the parameters after it). At step <split> (if not -1) the
# optimizer is rebuilt over fresh parameters (copies) from its state_dict (PyTorch's round trip, asserted here to give
# the uninterrupted trajectory). 2.x's lbfgs.py is 1.13's for real parameters.

def lbfgs_loss(problem, ps, data):
    if problem == "rosen":
        x = ps[0]
        return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    if problem == "lsq":
        a, b = data
        w, c = ps
        return ((a @ w + c - b) ** 2).mean()
    if problem == "mlp":
        xx, yy = data
        w1, b1, w2, b2 = ps
        return ((torch.tanh(xx @ w1 + b1) @ w2 + b2 - yy) ** 2).mean()
    raise ValueError(problem)


def lbfgs_case(r, case_id=None, fixed=None):
    """A random L-BFGS case whose trajectory is well conditioned: near convergence the curvature pairs are differences
    of rounding-level gradients and the stopping tests compare rounding-level changes, so another summation order
    (Ember's reductions) can change the path; a draw whose PyTorch trajectory (or state) moves by more than 1e-10
    (relative) or takes other branches when the starting point and the data move by 4 ulps either way or by 1e-13
    is drawn again (at most 20 times; near convergence strong_wolfe's cubic interpolation divides differences of
    losses equal to 12 digits, whose rounding decides its step)."""
    for _ in range(20):
        if _lbfgs_case(r, case_id, fixed):
            return


def _lbfgs_case(r, case_id=None, fixed=None):
    rng = r.rng
    g = lambda *shape: torch.tensor([rng.gauss(0, 1) for _ in range(int(np.prod(shape)))],  # noqa: E731
                                    dtype=torch.float64).reshape(shape)
    if fixed is None:
        problem = rng.choice(["rosen", "lsq", "mlp"])
        o = dict(lr=rng.choice([1.0, 0.5, 0.1, 1.0]), max_iter=rng.choice([20, 5, 1, 3, 50]),
                 max_eval=rng.choice([None, None, 4, 10]), tolerance_grad=rng.choice([1e-7, 1e-5, 1e-2]),
                 tolerance_change=rng.choice([1e-9, 1e-4, 1e-12]), history_size=rng.choice([100, 3, 1, 10]),
                 line_search_fn=rng.choice([None, "strong_wolfe"]))
        steps = rng.choice([2, 3, 4])
        split = rng.choice([-1, -1, 1, 2]) if steps > 2 else -1
    else:
        problem, o, steps, split = fixed
    if problem == "rosen":
        data = []
        ps = [torch.tensor([rng.uniform(-1.5, 1.5) for _ in range(rng.choice([2, 4]))], dtype=torch.float64)]
    elif problem == "lsq":
        data = [g(6, 3), g(6)]
        ps = [g(3), g(1)]
    else:
        data = [g(6, 3), g(6, 1)]
        ps = [g(3, 4) * 0.5, g(4) * 0.1, g(4, 1) * 0.5, g(1) * 0.1]
    lines = ["lbfgs %s %r %d %s %r %r %d %s %d" % (problem, o["lr"], o["max_iter"], o["max_eval"],
                                                  o["tolerance_grad"], o["tolerance_change"], o["history_size"],
                                                  o["line_search_fn"], split)]
    lines += ["d%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(data)]
    lines += ["p%d %s" % (i, fmt_tensor(t)) for i, t in enumerate(ps)]

    def run(split_at, move=0.0):
        params = [(p * alternating(p.shape, move)).requires_grad_(True) for p in ps]
        # the data moved too (every evaluation then rounds differently, as another summation order does)
        moved_data = [d * alternating(d.shape, -move) for d in data]
        opt = torch.optim.LBFGS(params, **o)
        calls = [0]

        def closure():
            calls[0] += 1
            opt.zero_grad()
            loss = lbfgs_loss(problem, params, moved_data)
            loss.backward()
            return loss
        out = []
        for k in range(steps):
            if k == split_at:
                sd = opt.state_dict()
                params = [p.detach().clone().requires_grad_(True) for p in params]
                opt = torch.optim.LBFGS(params, **o)
                opt.load_state_dict(sd)
            calls[0] = 0
            loss = opt.step(closure)
            st = opt.state[opt._params[0]]
            extra = {}
            for key in ("t", "prev_loss", "H_diag"):
                if key in st and st[key] is not None:
                    extra[key] = float(st[key])
            if "old_dirs" in st:
                extra["n_dirs"] = len(st["old_dirs"])
            out.append((loss.detach().clone(), calls[0], st.get("func_evals", 0), st.get("n_iter", 0),
                        [p.detach().clone() for p in params], extra))
        return out
    straight = run(-1)
    for move in (4e-16, -4e-16, 1e-13):
        moved = run(-1, move)
        for a, b in zip(straight, moved):
            if a[1:4] != b[1:4] or a[5].keys() != b[5].keys() or not all(
                    abs(a[5][key] - b[5][key]) <= 1e-10 * max(1, abs(a[5][key])) for key in a[5]) or not all(
                    ((x - y).abs() / x.abs().clamp(min=1)).max().item() <= 1e-10 for x, y in zip(a[4] + [a[0]],
                                                                                            b[4] + [b[0]])):
                if fixed is None:
                    return False
    got = run(split)
    for a, b in zip(straight, got):
        assert a[1:4] == b[1:4] and all(torch.equal(x, y) for x, y in zip(a[4], b[4])), "round trip differs"
    for k, (loss, calls, fe, ni, vals, extra) in enumerate(got):
        lines += ["step %d" % k, "loss " + fmt_tensor(loss), "calls %d" % calls, "fe %d" % fe, "ni %d" % ni]
        # the state's step length, last loss, initial Hessian scale and number of curvature pairs
        lines += ["st %s %r" % (key, v) for key, v in extra.items()]
        lines += ["v %d %s" % (i, fmt_tensor(v)) for i, v in enumerate(vals)]
    emit("L", problem, lines, case_id)
    return True


# ------------------------------------------------------------------------------------- state-dict round trips
#
# "R <optimizer>": round 5's optimizer case (its format: "opt", "g0", "g1", "p<i>", "step", "grad", "v", "st"; see
# fuzz5/make_cases.py, whose random options, 2.x update transcriptions and 1.13 built-ins it reuses) with "split <k>":
# before step k the optimizer is rebuilt over fresh copies of the parameters and loads the state_dict of the old one.
# The expected values are the uninterrupted trajectory: PyTorch's load_state_dict restores the state exactly (checked
# here with 1.13's built-ins where they take the options: the round trip gives the straight run bit for bit).
# "F <optimizer>": a state_dict (two groups, one step) loaded into an optimizer of other groups: "load <how>" (one
# group of all four parameters, or groups of 3 and 1) then PyTorch's message "e <Type> <message>".
# "Q <scheduler>": round 5's scheduler configurations (fuzz5's sched_case draws them) over its SGD/Adam optimizer of
# two groups, 30 steps, "split <k>": before step k a fresh optimizer and scheduler of the same configuration are built,
# the optimizer's then the scheduler's state_dict loaded into them, and the steps go on with those; "lr <k> ..." every
# group's lr after each step (as round 5, with momentum where cycled), from PyTorch doing the same round trip.

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "fuzz5_make_cases", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz5", "make_cases.py"))
F5 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(F5)


def _captured(fn, *args):
    """The (kind, name, lines) round 5's fn emits."""
    got = []
    saved = F5.emit
    F5.emit = lambda kind, name, lines, case_id=None: got.append((kind, name, lines))
    try:
        fn(*args)
    finally:
        F5.emit = saved
    return got[0] if got else None


def _builtin_round_trip_check(name, lines, split):
    """Where 1.13's built-in takes the case's options: its run with the round trip equals its straight run."""
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
           "radam": torch.optim.RAdam, "adadelta": torch.optim.Adadelta, "asgd": torch.optim.ASGD,
           "rprop": torch.optim.Rprop}[name]

    def opts(line):
        o = {}
        for kv in line.split(" ")[1:]:
            k, v = kv.split("=")
            o[k] = (v == "True") if v in ("True", "False") else tuple(float(x) for x in v.split(",")) if "," in v \
                else float(v)
        return o
    g0, g1 = opts(lines[1]), opts(lines[2])
    if any(k == "decoupled_weight_decay" for k in list(g0) + list(g1)):
        return  # 1.13 has no such option
    ps0 = [parse_line_tensor(l.split(" ", 1)[1]) for l in lines if l[:1] == "p" and l[1:2].isdigit()]
    steps = []
    for l in lines:
        if l.startswith("step "):
            steps.append({})
        elif l.startswith("grad "):
            _, i, t = l.split(" ", 2)
            steps[-1][int(i)] = parse_line_tensor(t)

    def run(split_at):
        ps = [p.clone().requires_grad_(True) for p in ps0]

        def build(ps):
            opt = cls([{"params": ps[:2]}], foreach=False, **g0)
            opt.add_param_group(dict(g1, params=ps[2:]))
            return opt
        opt = build(ps)
        for k, grads_ in enumerate(steps):
            if k == split_at:
                sd = opt.state_dict()
                ps = [p.detach().clone().requires_grad_(True) for p in ps]
                opt = build(ps)
                opt.load_state_dict(sd)
            for i, p in enumerate(ps):
                p.grad = grads_.get(i)
            opt.step()
        return ps
    try:
        a, b = run(-1), run(split)
    except Exception:  # noqa: BLE001
        return  # an option 1.13's built-in refuses
    assert all(torch.equal(x, y) for x, y in zip(a, b)), "1.13 round trip differs for %s" % name


def parse_line_tensor(text):
    head, vals = text.split(" : ")
    dt, shp = head.split(" ", 1)
    import ast
    vals = ast.literal_eval(vals.replace("nan", "None").replace("-inf", "-1e999").replace("inf", "1e999"))
    dtype = {"float64": torch.float64, "float32": torch.float32, "int64": torch.int64}[dt]
    return torch.tensor([math.nan if v is None else v for v in vals], dtype=dtype).reshape(ast.literal_eval(shp))


def optim_round_trip_case(r, name):
    got = _captured(F5.optim_case, r, name)
    if got is None:
        return
    kind, name_, lines = got
    split = r.rng.randint(1, F5.OSTEPS - 1)
    _builtin_round_trip_check(name, lines, split)
    emit("R", name, [lines[0], "split %d" % split] + lines[1:])


def refusal_case(r, name):
    """A two-group state_dict loaded where the groups differ: PyTorch's message (1.13's, 2.x's are the same)."""
    rng = r.rng
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop,
           "adagrad": torch.optim.Adagrad, "adamax": torch.optim.Adamax, "nadam": torch.optim.NAdam,
           "radam": torch.optim.RAdam, "adadelta": torch.optim.Adadelta, "asgd": torch.optim.ASGD,
           "rprop": torch.optim.Rprop}[name]
    ps = [torch.tensor([rng.uniform(-1, 1) for _ in range(n)], dtype=torch.float64, requires_grad=True)
          for n in (2, 3, 4, 2)]
    lr = {"adadelta": 1.0}.get(name, 0.1)
    opt = cls([{"params": ps[:2]}, {"params": ps[2:], "lr": lr / 2}], lr=lr)
    grads_ = [torch.tensor([rng.gauss(0, 1) for _ in range(p.numel())], dtype=torch.float64) for p in ps]
    for p, g in zip(ps, grads_):
        p.grad = g
    opt.step()
    sd = opt.state_dict()
    how = rng.choice(["one", "3-1", "1-3", "three"])
    qs = [p.detach().clone().requires_grad_(True) for p in ps]
    groups = {"one": [qs], "3-1": [qs[:3], qs[3:]], "1-3": [qs[:1], qs[1:]], "three": [qs[:1], qs[1:2], qs[2:]]}[how]
    other = cls([{"params": g} for g in groups], lr=lr)
    lines = ["opt %s %r" % (name, lr)] + ["p%d %s" % (i, fmt_tensor(p.detach())) for i, p in enumerate(ps)]
    lines += ["grad %d %s" % (i, fmt_tensor(g)) for i, g in enumerate(grads_)]
    lines.append("load " + how)
    try:
        other.load_state_dict(sd)
        lines.append("r loaded")
    except Exception as e:  # noqa: BLE001
        lines.append("e %s %s" % (type(e).__name__, esc(str(e))))
    emit("F", name, lines)


QSTEPS = 30


def sched_round_trip_case(r, kind):
    rng = r.rng
    state = rng.getstate()
    caught = []
    saved = F5.run_sched
    F5.run_sched = lambda r_, kind_, opt, sched, lines, plateau, mom, *a, **k: caught.append(
        (opt, sched, list(lines), plateau, mom))
    try:
        F5.sched_case(r, kind)
        if not caught:
            return  # a configuration PyTorch refuses
        twin = R(0)
        twin.rng.setstate(state)
        F5.sched_case(twin, kind)  # the same draws: the same configuration over a fresh optimizer
    finally:
        F5.run_sched = saved
    (opt, sched, lines, plateau, mom), (opt2, sched2, _, _, _) = caught
    sched_round_trip(r, kind, opt, sched, opt2, sched2, lines, plateau, mom, rng.randint(1, QSTEPS - 1))


def sched_round_trip(r, kind, opt, sched, opt2, sched2, lines, plateau, mom, split, case_id=None):
    """Steps sched QSTEPS times, swapping in (opt2, sched2) loaded from the state dicts before step split."""
    rng = r.rng
    metrics = []
    if plateau:
        v = 1.0
        for _ in range(QSTEPS):
            v = v + rng.choice([-0.1, -0.001, 0.0, 0.05, 0.2, -0.00005])
            metrics.append(round(v, 6))
    lines = [lines[0], "split %d" % split] + lines[1:]
    if plateau:
        lines.append("metrics " + " ".join(repr(m) for m in metrics))

    def snap(k, o):
        row = "lr %d %s" % (k, " ".join(repr(g["lr"]) for g in o.param_groups))
        if mom:
            row += " m " + " ".join(repr(g["betas"][0] if "betas" in g else g["momentum"]) for g in o.param_groups)
        lines.append(row)
    snap(0, opt)
    for k in range(QSTEPS):
        if k == split:
            sd_o, sd_s = opt.state_dict(), sched.state_dict()
            opt2.load_state_dict(sd_o)
            sched2.load_state_dict(sd_s)
            opt, sched = opt2, sched2
        try:
            if plateau:
                sched.step(metrics[k])
            else:
                sched.step()
        except Exception as e:  # noqa: BLE001
            msg = str(e)
            if msg.startswith("Tried to step "):
                # 2.x's OneCycleLR message names last_epoch, 1.13's last_epoch + 1 (as round 5)
                n_ = int(msg.split(" ")[3])
                msg = msg.replace("Tried to step %d times" % n_, "Tried to step %d times" % (n_ - 1))
            lines.append("e %s %s" % (type(e).__name__, esc(msg)))
            break
        snap(k + 1, opt)
    emit("Q", kind, lines, case_id)


# -------------------------------------------------------------------------------------------------------------- SWA
#
# "W <avg>": AveragedModel over a float64 Sequential(Linear(3, 4), BatchNorm1d(4[, momentum]), ReLU, Linear(4, 2)):
# "swa <avg> <decay> <use_buffers>" (avg: swa (the default average), ema_avg (avg_fn=get_ema_avg_fn(decay)) or
# ema_multi (multi_avg_fn=get_ema_multi_avg_fn(decay))), "bn <momentum|None>", the model's parameters "p <name>
# <tensor>", then per update "upd" with the model's parameter moves "d <name> <tensor>" and a training batch "x
# <tensor>" run through the model in training mode (moving its BatchNorm statistics), then the averaged module's state
# "a <name> <tensor>" (every entry of its state_dict) and "n <n_averaged>"; then "ubn" with the batches "lx <tensor>"
# of update_bn(loader, swa_model), the state again, and "out <tensor>": the averaged model's eval-mode output on "ex
# <tensor>". 1.13's AveragedModel has no multi_avg_fn and does not keep unaveraged buffers in sync: 2.x's
# update_parameters (CPU path) is transcribed below; get_ema_avg_fn and get_ema_multi_avg_fn are 2.x's.
# "V <strategy>": SWALR (2.x's is 1.13's): round 5's two-group optimizer ("opt"), optionally "pre <m>" and a spec "s"
# of another scheduler stepped m times first, then "s SWALR swa_lr=<per group> anneal_epochs=<n>
# anneal_strategy=<s>"; "lr <k> ..." as round 5, counting the first scheduler's steps then SWALR's; "split <i>": before
# SWALR's step i a fresh optimizer and SWALR load the old ones' state dicts (-1: none).

import copy  # noqa: E402


def _swa_update_2x(avg_module, n_averaged, model, avg, decay, use_buffers):
    """PyTorch 2.x's AveragedModel.update_parameters on CPU (the avg_fn path there)."""
    with torch.no_grad():
        if use_buffers:
            self_p = list(avg_module.parameters()) + list(avg_module.buffers())
            model_p = list(model.parameters()) + list(model.buffers())
        else:
            self_p, model_p = list(avg_module.parameters()), list(model.parameters())
        if n_averaged == 0:
            for a, m in zip(self_p, model_p):
                a.copy_(m)
        elif avg == "ema_multi":
            # get_ema_multi_avg_fn: foreach lerp for floating lists, p * decay + m * (1 - decay) otherwise; grouped by
            # dtype (the int64 num_batches_tracked apart)
            for a, m in zip(self_p, model_p):
                if a.is_floating_point():
                    a.lerp_(m, 1 - decay)  # torch._foreach_lerp_ (2.x; its CPU path is lerp per tensor)
                else:
                    a.copy_(a * decay + m * (1 - decay))
        else:
            n = torch.tensor(n_averaged)
            for a, m in zip(self_p, model_p):
                if avg == "swa":
                    a.copy_(a + (m - a) / (n + 1))
                else:
                    a.copy_(decay * a + (1 - decay) * m)
        if not use_buffers:
            for b_swa, b_model in zip(avg_module.buffers(), model.buffers()):
                b_swa.copy_(b_model)
    return n_averaged + 1


def swa_case(r):
    rng = r.rng
    avg = rng.choice(["swa", "ema_avg", "ema_multi"])
    decay = rng.choice([0.9, 0.5, 0.999])
    use_buffers = rng.random() < 0.5
    momentum = rng.choice([0.1, 0.3, None])
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4, momentum=momentum), torch.nn.ReLU(),
                                torch.nn.Linear(4, 2)).double()
    lines = ["swa %s %r %d" % (avg, decay, use_buffers), "bn %s" % momentum]
    g = lambda *shape: torch.tensor([rng.gauss(0, 0.8) for _ in range(int(np.prod(shape)))],  # noqa: E731
                                    dtype=torch.float64).reshape(shape)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(g(*p.shape))
            lines.append("p %s %s" % (name, fmt_tensor(p)))
    avg_module = copy.deepcopy(model)
    n = 0

    def state():
        for name, t in avg_module.state_dict().items():
            lines.append("a %s %s" % (name, fmt_tensor(t)))
    for _ in range(rng.randint(1, 4)):
        lines.append("upd")
        with torch.no_grad():
            for name, p in model.named_parameters():
                d = g(*p.shape) * 0.3
                p.add_(d)
                lines.append("d %s %s" % (name, fmt_tensor(d)))
            x = g(rng.choice([3, 5]), 3)
            lines.append("x " + fmt_tensor(x))
            model.train()
            model(x)
        n = _swa_update_2x(avg_module, n, model, avg, decay, use_buffers)
        state()
        lines.append("n %d" % n)
    lines.append("ubn")
    loader = [g(rng.choice([2, 4]), 3) for _ in range(rng.randint(1, 3))]
    lines += ["lx " + fmt_tensor(t) for t in loader]
    torch.optim.swa_utils.update_bn(loader, avg_module)  # swa_model's modules are avg_module's (and itself)
    state()
    avg_module.eval()
    ex = g(2, 3)
    lines.append("ex " + fmt_tensor(ex))
    with torch.no_grad():
        lines.append("out " + fmt_tensor(avg_module(ex)))
    emit("W", avg, lines)


def swalr_case(r):
    rng = r.rng
    opt, opt_line = F5.sched_opt(r, rng.choice(["sgd", "adam"]))
    fresh = copy.deepcopy(opt)  # for the round trip
    lines = [opt_line]
    m = rng.choice([0, 0, 3, 6])
    pre = None
    if m:
        pre_kind = rng.choice(["CosineAnnealingLR", "StepLR", "LinearLR", "ExponentialLR"])
        pre, spec = F5.rand_child(r, opt, [pre_kind])
        lines += ["pre %d" % m, "s " + spec]
    swa_lr = [rng.choice([0.05, 0.5, 0.0, 0.01]) for _ in opt.param_groups]
    anneal_epochs = rng.choice([0, 1, 3, 10])
    strategy = rng.choice(["cos", "linear"])

    def snap(k):
        lines.append("lr %d %s" % (k, " ".join(repr(g["lr"]) for g in opt.param_groups)))
    k = 0
    snap(k)
    for _ in range(m):
        pre.step()
        k += 1
        snap(k)
    sched = torch.optim.swa_utils.SWALR(opt, swa_lr if len(set(swa_lr)) > 1 else swa_lr[0],
                                        anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    lines.append("s SWALR swa_lr=%s anneal_epochs=%d anneal_strategy=%r" % (
        ",".join(repr(x) for x in swa_lr), anneal_epochs, strategy))
    snap(k)  # after SWALR's constructor (its first step)
    steps = rng.randint(3, 15)
    split = rng.choice([-1, rng.randint(0, steps - 1)])
    lines.insert(1, "split %d" % split)
    for i in range(steps):
        if i == split:
            # a fresh optimizer and SWALR (same arguments) loading the old ones' state dicts
            sd_o, sd_s = opt.state_dict(), sched.state_dict()
            opt = fresh
            sched = torch.optim.swa_utils.SWALR(opt, swa_lr if len(set(swa_lr)) > 1 else swa_lr[0],
                                                anneal_epochs=anneal_epochs, anneal_strategy=strategy)
            opt.load_state_dict(sd_o)
            sched.load_state_dict(sd_s)
        sched.step()
        k += 1
        snap(k)
    emit("V", strategy, lines)


def pin_program(case_id, build, queries_):
    """A named D case: build(prog) runs the program; queries_ [(what, arg)] in order."""
    prog = Prog()
    lines = prog.lines
    try:
        build(prog)
    except Exception as e:  # noqa: BLE001
        lines += ["q ctor", "e %s %s" % (type(e).__name__, esc(str(e)))]
        emit("D", "pinned", lines, case_id)
        return
    d = prog.stack[-1]
    for what, arg in queries_:
        if what == "sshape":
            lines.append("q sshape " + (",".join(map(str, arg)) if arg else "_"))
            answer(lambda: d.sample(arg).shape, lines)
        elif what == "glp":
            lines.append("q glp " + fmt_tensor(arg))
            lp = answer(lambda: d.log_prob(arg), lines)
            if lp is not None:
                grads(lp, prog.params, lines)
        elif what == "expand_glp":
            shape, v = arg
            lines.append("q expandglp %s %s" % (",".join(map(str, shape)), fmt_tensor(v)))
            answer(lambda: d.expand(torch.Size(shape)).log_prob(v), lines)
        else:
            lines.append("q " + what)
            answer(lambda: getattr(d, what), lines)
    emit("D", "pinned", lines, case_id)


def pinned():
    """Cases what the hunts found, kept whatever the draw."""
    f64 = lambda *v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    # ReshapeTransform's shape check reached through TransformedDistribution: PyTorch passes torch.Size shapes, so its
    # message shows both as torch.Size (Ember wrote the first as a tuple, "(3,)")
    pin_program("pin-reshape-message-transformed", lambda p: (
        p.c("Normal", [("loc", torch.zeros(2, 3, dtype=torch.float64)), ("scale", torch.ones(2, 3, dtype=torch.float64))],
            True), p.transformed(True, "reshape 6 2,3", [])), [])
    transform_case(R(0), "pin-reshape-message-shapes", ("reshape 2,3 6", [], torch.ones(4, 2, 3, dtype=torch.float64)))
    # ComposeTransform.log_abs_det_jacobian computes every part's term before adding them: the inverse of a chain
    # ending (inverted: starting) in AbsTransform raises its NotImplementedError even where the terms of a
    # StackTransform would not broadcast (Ember added as it went and reported the broadcast error)
    xs = torch.tensor([[[0.3, -0.6, 1.2], [0.1, 0.2, -0.4], [0.5, -1.1, 0.7]],
                       [[-0.2, 0.4, 0.9], [1.3, -0.8, 0.05], [0.6, 0.25, -0.35]]], dtype=torch.float64)
    transform_case(R(0), "pin-compose-ladj-terms-first", (
        "compose 3 abs affine 0.5 2.0 0 stack -1 3 exp softplus affine -0.8 -0.5 0", [], xs))
    # a LinearLR annealed to end_factor 0 leaves a rate of -1.85e-18 (rounding); PyTorch's load_state_dict checks no
    # option, so the optimizer's state loads (Ember refused it: "Invalid learning rate"); a loaded rate is now checked
    # as a scheduler sets it (finite), the other options still as the constructor checks them
    def sgd2():
        w = [torch.zeros(2, dtype=torch.float64, requires_grad=True),
             torch.zeros(3, dtype=torch.float64, requires_grad=True)]
        return torch.optim.SGD([{"params": [w[0]]}, {"params": [w[1]], "lr": 0.05, "momentum": 0.8}], lr=0.1,
                               momentum=0.9)
    o1, o2 = sgd2(), sgd2()
    sched_round_trip(R(0), "LinearLR", o1, F5.LS.LinearLR(o1, start_factor=1.0 / 3, end_factor=0.0, total_iters=4),
                     o2, F5.LS.LinearLR(o2, start_factor=1.0 / 3, end_factor=0.0, total_iters=4),
                     ["opt sgd 0.1 0.05 0.9 0.8", "s LinearLR start_factor=%r end_factor=0.0 total_iters=4" % (1.0 / 3)],
                     False, False, 6, "pin-load-negative-scheduled-lr")
    # MultivariateNormal's covariance_matrix, precision_matrix and scale_tril are lazy properties: once read, the repr
    # (in validation messages) names them, and expand copies them (Ember's repr named only the given matrix)
    nan = float("nan")
    for given, read in (("scale_tril", ["covariance_matrix"]), ("covariance_matrix", ["precision_matrix", "scale_tril"]),
                        ("precision_matrix", ["covariance_matrix"])):
        mat = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
        if given == "scale_tril":
            mat = torch.linalg.cholesky(mat)
        kw = [("loc", f64(0.5, -1.0))] + [(k, mat if k == given else None)
                                           for k in ("covariance_matrix", "precision_matrix", "scale_tril")]
        pin_program("pin-mvn-lazy-" + given, lambda p, kw=kw: (p.c("MultivariateNormal", kw, True),),
                    [("glp", f64(nan, 0.0))] + [(w, None) for w in read] + [("glp", f64(nan, 0.0)),
                                                                           ("glp", f64(0.25, 1.0))])
    pin_program("pin-mvn-lazy-expand", lambda p: (p.c("MultivariateNormal", [
        ("loc", f64(0.5, -1.0)), ("covariance_matrix", torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)),
        ("precision_matrix", None), ("scale_tril", None)], True),),
        [("scale_tril", None), ("expand_glp", ([3], f64(nan, 0.0)))])
    # MixtureSameFamily refuses a mixture that is not a Categorical with 2.x's message ("torch.distributions"; 1.13
    # and Ember spelled it "distribtutions")
    pin_program("pin-mixture-not-categorical", lambda p: (
        p.c("Normal", [("loc", f64(0.0, 1.0)), ("scale", f64(1.0, 2.0))], True),
        p.c("Normal", [("loc", f64(0.0, 1.0)), ("scale", f64(1.0, 2.0))], True), p.mixture(True)), [])
    # probs derived from logits are a lazy_property, computed under torch.enable_grad(): read first inside a sample
    # (no_grad) they still have a grad_fn, which the repr in validation messages shows (Ember computed them without
    # a graph there)
    # (one-element parameters, whose repr shows the values and grad_fn)
    pin_program("pin-lazy-probs-grad-mixture", lambda p: (
        p.c("Categorical", [("probs", f64(1.0)), ("logits", None)], True),
        p.c("Bernoulli", [("probs", None), ("logits", f64(0.2))], True), p.mixture(True)),
        [("sshape", (3,)), ("glp", f64(-1.0)), ("glp", f64(1.0, 0.0))])
    pin_program("pin-lazy-probs-grad-bernoulli", lambda p: (
        p.c("Bernoulli", [("probs", None), ("logits", f64(0.2))], True),),
        [("sshape", (2,)), ("glp", f64(0.5)), ("glp", f64(1.0, 0.0))])
    pin_program("pin-lazy-probs-grad-categorical", lambda p: (
        p.c("Categorical", [("probs", None), ("logits", f64(0.2))], True),),
        [("sshape", (2,)), ("glp", torch.tensor([3])), ("glp", torch.tensor([0, 0]))])
    pin_program("pin-lazy-logits-grad-geometric", lambda p: (
        p.c("Geometric", [("probs", f64(0.3)), ("logits", None)], True),),
        [("sshape", (2,)), ("mean", None), ("glp", f64(-1.0)), ("glp", f64(1.0, 0.0))])


def main():
    r = R(SEED)
    pinned()
    n = lambda k: max(1, int(round(k * SCALE)))  # noqa: E731
    for _ in range(n(120)):
        transform_case(r)
    for _ in range(n(50)):
        independent_case(r)
    for _ in range(n(50)):
        mixture_case(r)
    for _ in range(n(80)):
        transformed_case(r)
    for _ in range(n(30)):
        kl_case(r)
    for _ in range(n(40)):
        lbfgs_case(r)
    for _ in range(n(3)):
        for name in F5.O_NAMES:
            optim_round_trip_case(r, name)
    for _ in range(n(2)):
        for name in F5.O_NAMES:
            refusal_case(r, name)
    for _ in range(n(3)):
        for kind in F5.SCHED_KINDS:
            sched_round_trip_case(r, kind)
    for _ in range(n(20)):
        swa_case(r)
    for _ in range(n(20)):
        swalr_case(r)
    sys.stdout.write("\n".join(OUT) + "\n")


if __name__ == "__main__":
    main()
