# Writes expected.txt for Census2xTest.java (session 43): the names PyTorch 2.x added that the census in CENSUS.md
# found missing from Ember and that were filled: torch.optim.Adafactor (2.5), torch.optim.Muon (2.9),
# torch.distributions.InverseGamma (2.3), torch.distributions.GeneralizedPareto (2.7), Tensor.nbytes / Tensor.itemsize
# (2.1), torch.autograd.graph.increment_version (2.1), Tensor.dim_order (2.2), torch.amp.custom_fwd/custom_bwd (2.4),
# checkpoint's determinism_check (2.1), get_gradient_edge (2.3). ("key value" lines, ExpectedLines' format,
# refcases.key_lines.)
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script; deterministic)
#
# PyTorch 1.13 has none of these, so each is computed here from 2.x's documented rule with 1.13's ops:
#
# Adafactor (torch/optim/_adafactor.py, _single_tensor_adafactor, the default foreach=None path): per group, eps1 is
#   eps[0], or when that is None torch.finfo(dtype).eps of the group's FIRST parameter with a gradient (the loop sets
#   eps1 once and keeps it for the group's later parameters). Per parameter with a gradient g (negated under
#   maximize): state made on first use, step a float32 0-dim tensor, row_var (g's shape, last dim 1) and col_var (dim -2
#   is 1) for g.dim() > 1, else variance (zeros like g); then
#     step += 1; t = step.item(); w = t ** beta2_decay; rho = min(lr, 1 / t ** 0.5)
#     alpha = max(eps2, p.norm(2).item() / p.numel() ** 0.5) * rho          (Python's max and min, on floats)
#     if weight_decay != 0: p *= 1 - lr * weight_decay
#     g.dim() > 1: row_var.lerp_(vector_norm(g, dim=-1, keepdim).square() / g.size(-1), w); col_var likewise over
#                  dim -2; est = row_var @ col_var / row_var.mean(dim=-2, keepdim).clamp(min=eps1)
#     else:        variance.lerp_(g * g, w); est = variance.clone()
#     u = est.clamp(min=eps1 * eps1).rsqrt() * g
#     p.add_(u, alpha=-alpha / max(1.0, u.norm(2).item() / (u.numel() ** 0.5 * d)))
#   Messages: the constructor's checks in its order (lr, beta2_decay, eps1, eps2, d, weight_decay), f-strings of the
#   float; "Adafactor does not support complex parameters" at the step.
# InverseGamma (torch/distributions/inverse_gamma.py): TransformedDistribution(Gamma(concentration, rate),
#   PowerTransform(-rate.new_ones(()))), built here the same way with 1.13's classes (log_prob, cdf and their
#   gradients come from 1.13 through that construction); mean = rate / (c - 1) where c > 1 else inf; mode =
#   rate / (c + 1); variance = rate^2 / ((c - 1)^2 (c - 2)) where c > 2 else inf; entropy = c + log(rate) + lgamma(c) -
#   (1 + c) digamma(c). Its repr is "InverseGamma()" (no parameter in the instance's __dict__), where 1.13's plain
#   TransformedDistribution prints "TransformedDistribution()" (replaced below in the one message that shows it).
# Muon (torch/optim/_muon.py of 2.9, _single_tensor_muon; its signature as docs.pytorch.org/docs/stable shows it, without
#   the later use_addmm): per 2-D parameter, buf (zeros like the gradient) .lerp_(g, 1 - momentum); the update is
#   g.lerp(buf, momentum) with nesterov, else buf; orthogonalized in bfloat16: X = update.bfloat16(), transposed when
#   rows > cols, X.div_(X.norm().clamp(min=eps)), then ns_steps times G = X @ X.T; U = b * G + c * G @ G;
#   X = a * X + U @ X (Python's left-to-right * and @), transposed back; then p.mul_(1 - lr * weight_decay) and
#   p.add_(X, alpha=-lr * ratio), ratio sqrt(max(1, rows / cols)) (adjust_lr_fn None or "original") or
#   0.2 * sqrt(max(rows, cols)) ("match_rms_adamw"). Messages as its constructor and step word them.
# GeneralizedPareto (torch/distributions/generalized_pareto.py, 2.7): with z = (x - loc) / scale and k = concentration,
#   zero where isclose(k, 0), safe k = 1 there: log_prob = -log(scale) - where(zero, z, where(y == 0, y,
#   y * log1p(k z))) with y = 1 / k + 1; log_survival_function = where(zero, -z, -log1p(k z) / k); cdf =
#   exp(log1p(-exp(log_survival))); icdf(p) = loc + scale * where(zero, -log1p(-p), expm1(k * -log1p(-p)) / k);
#   mean = loc + scale / (1 - k) for k < 1 else nan; variance = scale^2 / ((1 - k)^2 (1 - 2k)) for k < 1/2 else nan;
#   entropy = log(scale) + k + 1; support: interval(loc, loc + scale / |k|) when any k < 0, else greater_than_eq(loc).
#   2.7 compares k with torch.tensor(0.0), a float32 zero, so float64 parameters raise ("Double did not match Float",
#   recorded below); Ember computes float64 by the same rules (a zero of k's type here).
# torch.autograd.graph.increment_version(t) (2.1) bumps t's version counter by one, as an in-place op does: the
#   backward messages below come from 1.13 after that many in-place ops on a saved tensor.
# Tensor.dim_order(ambiguity_check) (torch/_tensor.py, 2.2; ambiguity_check 2.5): with ambiguity_check True, or a list of
#   memory formats, it raises "The tensor does not have unique dim order, or cannot map to exact one of the given memory
#   formats." when the tensor has adjacent equal strides or a length-1 dim and is contiguous in not exactly one of the
#   listed formats (none listed for True); the order is _prims_common.compute_elementwise_output_logical_to_physical_perm:
#   0-d (), 1-d (0,), contiguous and not channels-last the identity, channels-last and not contiguous (0, 2, .., 1),
#   else an insertion sort of the dims from the last by stride (a zero stride compares equal; equal strides put the
#   longer dim outside), and with the check any adjacent pair not strictly ordered raises "The tensor does not have
#   unique dim order."; computed here from 1.13 tensors' strides and is_contiguous(memory_format).
# torch.amp.custom_fwd(device_type, cast_inputs) / custom_bwd(device_type) (torch/amp/autocast_mode.py, 2.4): forward
#   stores ctx._dtype = get_autocast_dtype(device_type); with cast_inputs None ctx._fwd_used_autocast =
#   is_autocast_enabled(device_type) and the forward runs as is; otherwise _fwd_used_autocast = False and, when autocast
#   is on, the forward runs inside autocast(enabled=False) on its inputs cast by _cast (floating, on the device type,
#   not float64, to cast_inputs); backward runs inside autocast(device_type, enabled=ctx._fwd_used_autocast,
#   dtype=ctx._dtype). 1.13 has only torch.cuda.amp's; written out here with 1.13's CPU autocast.
# torch.utils.checkpoint.checkpoint(use_reentrant=False, determinism_check="default") (2.1, torch/utils/checkpoint.py):
#   at the first unpack after the recomputation, each saved tensor's {'shape', 'dtype', 'device'} is compared with the
#   one saved at the same position in the forward; the CheckpointError lists every difference as "tensor at position
#   i:\nsaved metadata: {...}\nrecomputed metadata: {...}\n" after its first line (the dicts printed from 1.13 objects;
#   1.13's checkpoint has no such check). determinism_check other than "default"/"none" is refused.
# torch.autograd.graph.get_gradient_edge (2.3): (grad_fn, output_nr), or (the leaf's AccumulateGrad, 0);
#   autograd.grad(loss, edge) equals autograd.grad(loss, tensor), whose values come from 1.13 below.
# Tensor.itemsize = element_size(); Tensor.nbytes = numel() * element_size() (2.1's definitions, in
#   torch/_tensor.py... as C++ properties): written from 1.13's element_size and numel.
import math
import os
import sys

import torch
from torch.distributions import Distribution, Gamma, TransformedDistribution, constraints
from torch.distributions.utils import broadcast_all
from torch.distributions.transforms import PowerTransform

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import D, key_lines, seq, weights  # noqa: E402

LINES = []
text, tensor, err = key_lines(LINES)


# ---------------------------------------------------------------- Adafactor

def adafactor(groups, steps, grad_of, key):
    """Runs the rule above on groups = [(params, options)] for steps steps; grad_of(gi, pi, t, p) is the gradient (or
    None). Writes the gradients, the parameters after every step and the final state under key."""
    state = {}
    for gi, (ps, _) in enumerate(groups):
        for pi, p in enumerate(ps):
            tensor("%s.init.%d.%d" % (key, gi, pi), p)
    for t in range(steps):
        for gi, (ps, o) in enumerate(groups):
            eps1 = o["eps"][0]
            for pi, p in enumerate(ps):
                g = grad_of(gi, pi, t, p)
                if g is None:
                    continue
                tensor("%s.grad.%d.%d.%d" % (key, t, gi, pi), g)
                if o["maximize"]:
                    g = -g
                st = state.setdefault((gi, pi), {})
                if not st:
                    st["step"] = torch.tensor(0.0)
                    if g.dim() > 1:
                        rs, cs = list(g.shape), list(g.shape)
                        rs[-1] = 1
                        cs[-2] = 1
                        st["row_var"] = g.new_zeros(rs)
                        st["col_var"] = g.new_zeros(cs)
                    else:
                        st["variance"] = torch.zeros_like(g)
                if eps1 is None:
                    eps1 = torch.finfo(p.dtype).eps
                st["step"] += 1
                n = st["step"].item()
                w = n ** o["beta2_decay"]
                rho = min(o["lr"], 1 / n ** 0.5)
                alpha = max(o["eps"][1], p.norm(2).item() / p.numel() ** 0.5) * rho
                if o["weight_decay"] != 0:
                    p.mul_(1 - o["lr"] * o["weight_decay"])
                if g.dim() > 1:
                    rv, cv = st["row_var"], st["col_var"]
                    rv.lerp_(torch.linalg.vector_norm(g, dim=-1, keepdim=True).square_().div_(g.size(-1)), w)
                    cv.lerp_(torch.linalg.vector_norm(g, dim=-2, keepdim=True).square_().div_(g.size(-2)), w)
                    est = rv @ cv
                    est.div_(rv.mean(dim=-2, keepdim=True).clamp_(min=eps1))
                else:
                    st["variance"].lerp_(g * g, w)
                    est = st["variance"].clone()
                u = est.clamp_(min=eps1 * eps1).rsqrt_().mul_(g)
                denom = max(1.0, u.norm(2).item() / (u.numel() ** 0.5 * o["d"]))
                p.add_(u, alpha=-alpha / denom)
        for gi, (ps, _) in enumerate(groups):
            for pi, p in enumerate(ps):
                tensor("%s.after.%d.%d.%d" % (key, t, gi, pi), p)
    for (gi, pi), st in sorted(state.items()):
        for k, v in st.items():
            tensor("%s.state.%d.%d.%s" % (key, gi, pi, k), v)


DEFAULTS = dict(lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, maximize=False)


def opts(**kw):
    o = dict(DEFAULTS)
    o.update(kw)
    return o


def plain_grad(gi, pi, t, p):
    return seq(p.shape, shift=3 * t + 5 * pi + 7 * gi).mul(1 + 0.25 * t).to(p.dtype)


with torch.no_grad():
    # the defaults on a matrix, a 3-d tensor (factored over its last two dims), a vector and a 0-dim parameter
    ps = [seq((3, 4), shift=1), seq((2, 3, 2), shift=2, scale=0.5), seq((3,), shift=3), torch.tensor(0.75, dtype=D)]
    adafactor([(ps, opts())], 4, plain_grad, "default")

    # every option: a larger lr, beta2_decay -0.5, eps (1e-3, 1e-2), d 1.2, weight decay and maximize
    ps = [seq((3, 4), shift=4), seq((4,), shift=5)]
    adafactor([(ps, opts(lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=1.2, weight_decay=0.1, maximize=True))], 4,
              plain_grad, "options")

    # eps1 None per group: group 0's first parameter is float32, so its float64 matrix (tiny gradients, below eps1)
    # uses float32's eps too; group 1 (lr 0.001, weight decay 0.5) starts with a float64 one and uses float64's eps
    def tiny_grad(gi, pi, t, p):
        g = plain_grad(gi, pi, t, p)
        return g * 1e-9 if p.dtype == D else g

    ps0 = [seq((5,), shift=6).float(), seq((3, 4), shift=7)]
    ps1 = [seq((3, 4), shift=8)]
    adafactor([(ps0, opts()), (ps1, opts(lr=0.001, weight_decay=0.5))], 3, tiny_grad, "groups")

    # float32 throughout
    ps = [seq((4, 3), shift=9).float(), seq((3,), shift=10).float()]
    adafactor([(ps, opts(weight_decay=0.01))], 3, plain_grad, "float32")

    # a parameter with a nan: its norm is nan, Python's max(eps2, nan) is eps2, and the other elements stay finite
    ps = [torch.tensor([float("nan"), 1.0, 2.0, -1.0], dtype=D)]
    adafactor([(ps, opts())], 2, plain_grad, "nan")

    # the second parameter has no gradient at the first step: its state starts (step 1) at the second
    def late_grad(gi, pi, t, p):
        return None if (pi == 1 and t == 0) else plain_grad(gi, pi, t, p)

    ps = [seq((2, 3), shift=11), seq((2, 2), shift=12)]
    adafactor([(ps, opts())], 3, late_grad, "late")

# the constructor's messages (2.x's f-strings of Python floats)
for key, msg in [("lr", "Learning rate should be >= 0 but is: %r" % -1.0),
                 ("lrnan", "Learning rate should be >= 0 but is: %r" % float("nan")),
                 ("beta2", "beta2_decay should be <= 0 but is: %r" % 0.5),
                 ("eps1", "epsilon1 should be >= 0 but is: %r" % -0.001),
                 ("eps2", "epsilon2 should be >= 0 but is: %r" % -0.5),
                 ("d", "Clipping threshold d should be >= 1 but is: %r" % 0.5),
                 ("wd", "weight_decay should be >= 0 but is: %r" % -0.1)]:
    text("adafactor.error." + key, msg)

# ---------------------------------------------------------------- Muon


def bmm(x, y):
    """A bfloat16 matrix product as 2.x's CPU gemm computes it: products summed in float32, rounded once (1.13's CPU
    bfloat16 mm accumulates in bfloat16 on some paths; as in fuzz/make_cases.py, Ember follows 2.x)."""
    return (x.float() @ y.float()).bfloat16()


def smul(s, x):
    """A Python float times a bfloat16 tensor as 2.x's CPU mul_kernel computes it: the scalar kept as float (opmath,
    iter.original_scalar_value), the product in float32, rounded once; 1.13 rounds the scalar to bfloat16 first."""
    return (x.float() * s).bfloat16()


def orthogonalize(g, a, b, c, steps, eps):
    """2.9's Newton-Schulz in bfloat16 (the rule in the header), with 1.13's ops; g.bfloat16() is g itself for a
    bfloat16 g, so the in-place division scales g too, as 2.x's does."""
    x = g.bfloat16()
    tall = g.size(0) > g.size(1)
    if tall:
        x = x.T
    x.div_(x.norm().clamp(min=eps))
    for _ in range(steps):
        gram = bmm(x, x.T)
        upd = smul(b, gram) + bmm(smul(c, gram), gram)  # c * gram @ gram is (c * gram) @ gram: left to right
        x = smul(a, x) + bmm(upd, x)
    return x.T if tall else x


def lr_ratio(fn, rows, cols):
    return math.sqrt(max(1, rows / cols)) if fn in (None, "original") else 0.2 * math.sqrt(max(rows, cols))


def muon(ps, o, steps, key):
    bufs = {}
    for pi, p in enumerate(ps):
        tensor("%s.init.0.%d" % (key, pi), p)
    for t in range(steps):
        for pi, p in enumerate(ps):
            g = plain_grad(0, pi, t, p)
            tensor("%s.grad.%d.0.%d" % (key, t, pi), g)
            buf = bufs.setdefault(pi, torch.zeros_like(g))
            buf.lerp_(g, 1 - o["momentum"])
            u = g.lerp(buf, o["momentum"]) if o["nesterov"] else buf
            x = orthogonalize(u, *o["ns_coefficients"], o["ns_steps"], o["eps"])
            adjusted = o["lr"] * lr_ratio(o["adjust_lr_fn"], p.size(0), p.size(1))
            p.mul_(1 - o["lr"] * o["weight_decay"])
            p.add_(x, alpha=-adjusted)
        for pi, p in enumerate(ps):
            tensor("%s.after.%d.0.%d" % (key, t, pi), p)
    for pi in sorted(bufs):
        tensor("%s.state.0.%d.momentum_buffer" % (key, pi), bufs[pi])


MUON = dict(lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, ns_coefficients=(3.4445, -4.775, 2.0315),
            eps=1e-7, ns_steps=5, adjust_lr_fn=None)

with torch.no_grad():
    # the defaults on a wide and a tall float32 matrix (the tall one is orthogonalized transposed)
    muon([seq((3, 5), shift=1).float(), seq((6, 4), shift=2).float()], MUON, 3, "muon.default")
    # every option, float64 parameters
    muon([seq((4, 4), shift=3), seq((2, 5), shift=4)],
         dict(MUON, lr=0.02, weight_decay=0.01, momentum=0.9, nesterov=False, ns_coefficients=(2.0, -1.5, 0.5),
              eps=1e-5, ns_steps=3, adjust_lr_fn="match_rms_adamw"), 3, "muon.options")
    # a bfloat16 parameter without Nesterov: the update is the momentum buffer itself, which the in-place division
    # by its norm scales (2.x's aliasing, kept)
    muon([seq((3, 4), shift=5).bfloat16()], dict(MUON, nesterov=False, lr=0.05), 3, "muon.bf16")

for key, msg in [("lr", "Learning rate should be >= 0 but is: %r" % -0.5),
                 ("momentum", "momentum should be >= 0 but is: %r" % -0.1),
                 ("wd", "weight decay should be >= 0 but is: %r" % -1.0),
                 ("fn", "Adjust learning rate function %s is not supported" % "sqrt"),
                 ("dim", "Muon only supports 2D parameters whereas we found a parameter with size: %s"
                  % (torch.zeros(3).size(),)),
                 ("steps", "Number of steps must be less than 100 for computational efficiency")]:
    text("muon.error." + key, msg)

# ---------------------------------------------------------------- InverseGamma


def inverse_gamma(c, r, validate_args=None):
    base = Gamma(c, r, validate_args=validate_args)
    return TransformedDistribution(base, PowerTransform(-base.rate.new_ones(())), validate_args=validate_args)


def ig_cdf(c, r, x):
    t = PowerTransform(-r.new_ones(()))
    y = t.inv(x)
    return t.sign * (torch.special.gammainc(c, r * y) - 0.5) + 0.5


def ig_moments(c, r):
    inf = float("inf")
    return {
        "mean": torch.where(c > 1, r / (c - 1), torch.tensor(inf, dtype=c.dtype)),
        "mode": r / (c + 1),
        "variance": torch.where(c > 2, r.square() / ((c - 1).square() * (c - 2)), torch.tensor(inf, dtype=c.dtype)),
        "entropy": c + r.log() + c.lgamma() - (1 + c) * c.digamma(),
    }


def grads(key, out, inputs):
    """The gradients of sum(out * w) (refcases' weights) with respect to inputs (name, tensor) that require grad."""
    loss = (out * weights(out.shape).to(out.dtype)).sum()
    gs = torch.autograd.grad(loss, [t for _, t in inputs], allow_unused=True)
    for (name, _), g in zip(inputs, gs):
        if g is None:
            text(key + ".grad." + name, "none")
        else:
            tensor(key + ".grad." + name, g)


def ig_case(key, c0, r0, x0, dtype):
    c = c0.to(dtype).requires_grad_()
    r = r0.to(dtype).requires_grad_()
    x = x0.to(dtype).requires_grad_()
    tensor(key + ".c", c)
    tensor(key + ".r", r)
    tensor(key + ".x", x)
    d = inverse_gamma(c, r)
    lp = d.log_prob(x)
    tensor(key + ".log_prob", lp)
    grads(key + ".log_prob", lp, [("c", c), ("r", r), ("x", x)])
    # 1.13's Gamma has no cdf; 2.x's is special.gammainc(concentration, rate * value), whose derivative in the
    # concentration PyTorch does not implement (rate and value only). TransformedDistribution's cdf (unchanged in 2.x):
    # the value through the transform's inverse, the base cdf, then sign * (cdf - 0.5) + 0.5 with the transform's sign
    cdf = ig_cdf(c.detach(), r, x)
    tensor(key + ".cdf", cdf)
    grads(key + ".cdf", cdf, [("r", r), ("x", x)])
    for name, v in ig_moments(c, r).items():
        tensor(key + "." + name, v)
        grads(key + "." + name, v, [("c", c), ("r", r)])


C = torch.tensor([0.5, 1.5, 2.5, 4.0], dtype=D)
R = torch.tensor([2.0, 0.5, 1.0, 3.0], dtype=D)
X = torch.tensor([0.3, 1.2, 0.7, 2.5], dtype=D)
ig_case("ig.f64", C, R, X, D)
ig_case("ig.f32", C, R, X, torch.float32)

# broadcast parameters: concentration [2, 1], rate [3]: batch shape [2, 3]
cb = torch.tensor([[1.5], [3.0]], dtype=D).requires_grad_()
rb = torch.tensor([0.5, 1.0, 2.0], dtype=D).requires_grad_()
xb = seq((2, 3), shift=1).abs().add(0.25)
db = inverse_gamma(cb, rb)
text("ig.bcast.batch_shape", str(list(db.batch_shape)))
tensor("ig.bcast.x", xb)
lpb = db.log_prob(xb)
tensor("ig.bcast.log_prob", lpb)
grads("ig.bcast.log_prob", lpb, [("c", cb), ("r", rb)])
eb = ig_moments(cb.expand(2, 3), rb.expand(2, 3))["entropy"]
tensor("ig.bcast.entropy", eb)
grads("ig.bcast.entropy", eb, [("c", cb), ("r", rb)])

# expand: the moments of the expanded distribution
de = inverse_gamma(torch.tensor([3.0, 5.0], dtype=D), torch.tensor([2.0, 4.0], dtype=D)).expand(torch.Size([3, 2]))
text("ig.expand.batch_shape", str(list(de.batch_shape)))
tensor("ig.expand.log_prob", de.log_prob(torch.full((3, 2), 0.8, dtype=D)))

# validation: the Gamma inside checks the parameters; the value is checked against the positive support
err("ig.error.param", lambda: inverse_gamma(torch.tensor([-1.0]), torch.tensor([1.0]), validate_args=True))
try:
    inverse_gamma(torch.tensor([2.0]), torch.tensor([1.0]), validate_args=True).log_prob(torch.tensor([-0.5]))
    text("ig.error.value", "! no error")
except ValueError as e:
    text("ig.error.value", "ValueError: " + str(e).split("\n")[0].replace("TransformedDistribution()", "InverseGamma()"))

# ---------------------------------------------------------------- GeneralizedPareto


class GeneralizedPareto(Distribution):
    """2.7's rule (header), written on 1.13's Distribution so that its argument validation, repr and messages are
    PyTorch's; zero_like_float32=True compares the concentration with a float32 zero as 2.7 does (which raises for
    float64), False with a zero of the concentration's type (Ember's float64 behaviour)."""
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        if (self.concentration < 0).any():
            return constraints.interval(self.loc, self.loc + self.scale / self.concentration.abs())
        return constraints.greater_than_eq(self.loc)

    def _zero(self):
        k = self.concentration
        is_zero = torch.isclose(k, torch.tensor(0.0, dtype=k.dtype))
        return is_zero, torch.where(is_zero, torch.ones_like(k), k)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        is_zero, k = self._zero()
        y = 1 / k + torch.ones_like(z)
        nonzero = torch.where(y == 0, y, y * torch.log1p(k * z))
        return -self.scale.log() - torch.where(is_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        is_zero, k = self._zero()
        return torch.where(is_zero, -z, -torch.log1p(k * z) / k)

    def cdf(self, value):
        return torch.exp(torch.log1p(-torch.exp(self.log_survival_function(value))))

    def icdf(self, value):
        is_zero, k = self._zero()
        nl = -torch.log1p(-value)
        return self.loc + self.scale * torch.where(is_zero, nl, torch.expm1(self.concentration * nl) / k)

    @property
    def mean(self):
        c = self.concentration
        valid = c < 1
        r = self.loc + self.scale / (1 - torch.where(valid, c, torch.tensor(0.5, dtype=c.dtype)))
        return torch.where(valid, r, torch.full_like(r, float("nan")))

    @property
    def variance(self):
        c = self.concentration
        valid = c < torch.tensor(0.5, dtype=c.dtype)
        k = torch.where(valid, c, torch.tensor(0.25, dtype=c.dtype))
        r = self.scale ** 2 / ((1 - k) ** 2 * (1 - 2 * k)) + torch.zeros_like(self.loc)
        return torch.where(valid, r, torch.full_like(r, float("nan")))

    def entropy(self):
        return torch.broadcast_to(torch.log(self.scale) + self.concentration + 1, self._batch_shape)


def gp_case(key, dtype):
    loc = torch.tensor([0.0, 1.0, -0.5, 0.2], dtype=dtype).requires_grad_()
    scale = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=dtype).requires_grad_()
    conc = torch.tensor([0.3, 0.0, -0.2, 1.2], dtype=dtype).requires_grad_()
    x = torch.tensor([0.7, 2.5, 1.0, 0.9], dtype=dtype).requires_grad_()
    q = torch.tensor([0.1, 0.4, 0.6, 0.9], dtype=dtype).requires_grad_()
    for name, t in (("loc", loc), ("scale", scale), ("conc", conc), ("x", x), ("q", q)):
        tensor(key + "." + name, t)
    d = GeneralizedPareto(loc, scale, conc)
    ins = [("loc", loc), ("scale", scale), ("conc", conc)]
    for name, v in (("log_prob", d.log_prob(x)), ("log_survival", d.log_survival_function(x)), ("cdf", d.cdf(x))):
        tensor(key + "." + name, v)
        grads(key + "." + name, v, ins + [("x", x)])
    v = d.icdf(q)
    tensor(key + ".icdf", v)
    grads(key + ".icdf", v, ins + [("q", q)])
    for name, v in (("mean", d.mean), ("variance", d.variance), ("entropy", d.entropy())):
        tensor(key + "." + name, v)
        grads(key + "." + name, v, ins)


gp_case("gp.f32", torch.float32)
gp_case("gp.f64", D)
err("gp.error.float64", lambda: torch.isclose(torch.tensor([0.5], dtype=D), torch.tensor(0.0)))  # 2.7's float64 failure
gp = GeneralizedPareto(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.1]))
text("gp.support.positive", str(gp.support))
text("gp.support.negative", str(GeneralizedPareto(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]),
                                                 torch.tensor([-0.5, 0.1])).support))
text("gp.repr", repr(gp))
err("gp.error.scale", lambda: GeneralizedPareto(torch.tensor([0.0]), torch.tensor([-1.0]), torch.tensor([0.5]),
                                                validate_args=True))
err("gp.error.value", lambda: GeneralizedPareto(torch.tensor([0.0]), torch.tensor([1.0]), torch.tensor([-0.5]),
                                                validate_args=True).log_prob(torch.tensor([2.5])))

# ---------------------------------------------------------------- autograd.graph.increment_version


def bumped_backward(times):
    x = torch.tensor([1.0, 2.0, 3.0], dtype=D, requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], dtype=D)
    y = (x * w).sum()  # MulBackward0 saves w for x's gradient
    with torch.no_grad():
        for _ in range(times):
            w.add_(0)  # one in-place bump each: what increment_version(w) does in 2.1+
    y.backward()


err("version.once", lambda: bumped_backward(1))
err("version.twice", lambda: bumped_backward(2))

# ---------------------------------------------------------------- Tensor.dim_order


def prims_contiguous(shape, strides):
    """_prims_common.is_contiguous: length-1 dims skipped, fewer than two elements contiguous."""
    if math.prod(shape) < 2:
        return True
    expected = 1
    for n, st in reversed(list(zip(shape, strides))):
        if n == 1:
            continue
        if st != expected:
            return False
        expected *= n
    return True


def prims_channels_last(shape, strides):
    """_prims_common's channels-last checks: dims (1, 3, 2, 0) of a 4-d tensor, (1, 4, 3, 2, 0) of a 5-d one."""
    order = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}.get(len(shape))
    if order is None:
        return False
    expected = 1
    for i in order:
        if shape[i] == 1:
            continue
        if strides[i] != expected:
            return False
        expected *= shape[i]
    return True


def logical_to_physical(shape, strides, check):
    """compute_elementwise_output_logical_to_physical_perm of one tensor (concrete sizes): (perm, ambiguous)."""
    nd = len(shape)
    if nd == 0:
        return [], False
    if nd == 1:
        return [0], False
    c, cl = prims_contiguous(shape, strides), prims_channels_last(shape, strides)
    if c and not cl:
        return list(range(nd)), False
    if cl and not c:
        return [0] + list(range(2, nd)) + [1], False

    def should_swap(a, b):
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 0 if shape[b] >= shape[a] else 1
        return -1 if sb > sa else 1

    perm = list(reversed(range(nd)))
    for i in range(1, nd):
        d1 = i
        for d0 in reversed(range(i)):
            cmp = should_swap(perm[d0], perm[d1])
            if cmp > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif cmp < 0:
                break
    ambiguous = bool(check) and any(should_swap(perm[i], perm[i + 1]) != -1 for i in range(nd - 1))
    return list(reversed(perm)), ambiguous


def dim_order(t, check):
    """Tensor.dim_order(ambiguity_check=check) (the rule in the header); t.is_contiguous(memory_format) is 1.13's."""
    shape, strides = list(t.shape), list(t.stride())
    formats = check if isinstance(check, list) else []
    multiple = any(a == b for a, b in zip(strides, strides[1:])) or any(n == 1 for n in shape)
    if (check if isinstance(check, bool) else True) and multiple and \
            sum(t.is_contiguous(memory_format=f) for f in formats) != 1:
        return "RuntimeError: The tensor does not have unique dim order, or cannot map to exact one of the given " \
               "memory formats."
    perm, ambiguous = logical_to_physical(shape, strides, check)
    if ambiguous:
        return "RuntimeError: The tensor does not have unique dim order."
    return str(tuple(perm))


DIM_ORDER = [
    ("contiguous", torch.empty((2, 3, 5, 7))),
    ("transposed", torch.empty((2, 3, 5, 7)).transpose(1, 2)),
    ("channels_last", torch.empty((2, 3, 5, 7), memory_format=torch.channels_last)),
    ("channels_last_3d", torch.empty((2, 3, 4, 5, 6), memory_format=torch.channels_last_3d)),
    ("singleton", torch.empty((1, 2, 3, 4))),
    ("singleton_channels_last", torch.empty((2, 1, 3, 4), memory_format=torch.channels_last)),
    ("permuted", torch.empty((2, 3, 4)).permute(2, 0, 1)),
    ("matrix_t", torch.empty((3, 4)).t()),
    ("expanded", torch.empty((3, 1)).expand(3, 4)),
    ("expanded_front", torch.empty((4,)).expand(2, 3, 4)),
    ("equal_strides", torch.empty(100).as_strided((2, 3, 2), (1, 1, 4))),
    ("sliced", torch.empty((4, 6))[:, ::2]),
    ("scalar", torch.tensor(1.0)),
    ("vector", torch.empty(5)),
    ("as_strided_reversed", torch.empty(10000).as_strided((4, 4, 4, 4), (1, 2, 4, 8))),
]
for name, t in DIM_ORDER:
    text("dim_order.%s.shape" % name, str(list(t.shape)))
    text("dim_order.%s.stride" % name, str(list(t.stride())))
    for label, check in (("plain", False), ("check", True),
                         ("formats", [torch.contiguous_format, torch.channels_last])):
        text("dim_order.%s.%s" % (name, label), dim_order(t, check))

# ---------------------------------------------------------------- torch.amp.custom_fwd / custom_bwd


def eligible(t, cast):
    return t.is_floating_point() and t.device.type == "cpu" and t.dtype is not torch.float64


class AmpMM(torch.autograd.Function):
    """x @ w with custom_fwd(device_type="cpu", cast_inputs=cast) and custom_bwd(device_type="cpu") (2.4's rule in
    the header, written out with 1.13's CPU autocast calls)."""

    @staticmethod
    def forward(ctx, x, w, cast):
        ctx._dtype = torch.get_autocast_cpu_dtype()
        on = torch.is_autocast_cpu_enabled()
        ctx._fwd_used_autocast = on if cast is None else False
        if cast is not None and on:
            with torch.autocast("cpu", enabled=False):
                x, w = [t.to(cast) if eligible(t, cast) else t for t in (x, w)]
                ctx.save_for_backward(x, w)
                return x @ w
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, g):
        with torch.autocast("cpu", enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            x, w = ctx.saved_tensors
            gx, gw = g @ w.T, x.T @ g
            BWD_TYPES.append((gx.dtype, gw.dtype))  # the types inside, before the engine casts to the inputs' types
            return gx, gw, None


BWD_TYPES = []


def amp_case(key, dtype, autocast, cast):
    # values whose products and sums are exact in bfloat16 (so 1.13's bfloat16 accumulation does not matter)
    x = torch.tensor([[1.0, -0.5, 2.0], [0.5, 1.0, -1.0]], dtype=dtype).requires_grad_()
    w = torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.5, -0.5]], dtype=dtype).requires_grad_()
    tensor(key + ".x", x)
    tensor(key + ".w", w)
    with torch.autocast("cpu", enabled=autocast):
        y = AmpMM.apply(x, w, cast)
    tensor(key + ".out", y)
    y.backward(torch.tensor([[1.0, 0.5], [2.0, -1.0]], dtype=y.dtype))  # outside autocast, as a training loop's
    tensor(key + ".grad.x", x.grad)
    tensor(key + ".grad.w", w.grad)
    gx, gw = BWD_TYPES.pop()
    text(key + ".bwd_types", "%s %s" % (str(gx).replace("torch.", ""), str(gw).replace("torch.", "")))


amp_case("amp.plain", torch.float32, False, None)
amp_case("amp.autocast", torch.float32, True, None)
amp_case("amp.cast32", torch.float32, True, torch.float32)
amp_case("amp.cast32_off", torch.float32, False, torch.float32)
amp_case("amp.bf16_cast32", torch.bfloat16, True, torch.float32)
amp_case("amp.f64_cast", D, True, torch.bfloat16)

# ---------------------------------------------------------------- checkpoint(use_reentrant=False, determinism_check=)


def ckpt_meta(t):
    # 2.1's _default_meta_extractor, printed as its CheckpointError prints the dict
    return str({"shape": t.shape, "dtype": t.dtype, "device": t.device})


x3 = torch.ones(3)
forward_saved = [x3.exp(), x3.exp().exp()]  # x.exp().exp(): ExpBackward0 saves each result
recomputed_saved = [x3[:2].double().exp(), x3[:2].double().exp().exp()]
msg = "torch.utils.checkpoint: Recomputed values for the following tensors have different metadata than during the " \
      "forward pass.\n"
for i, (a, b) in enumerate(zip(forward_saved, recomputed_saved)):
    msg += "tensor at position %d:\nsaved metadata: %s\nrecomputed metadata: %s\n" % (i, ckpt_meta(a), ckpt_meta(b))
text("checkpoint.error.metadata", msg)
text("checkpoint.error.mode", "determinism_check should be one of %s, but got %s" % (["default", "none"], "strict"))

# ---------------------------------------------------------------- autograd.graph.get_gradient_edge


xe = seq((2, 3), shift=2).requires_grad_()
he = xe.exp() * 2
pe = he.unbind(0)  # two outputs of one UnbindBackward0 node
le = (pe[0].sin() + pe[1].cos()).sum()
# grad(loss, get_gradient_edge(t)) is grad(loss, t) (2.3's documented equivalence): the values from 1.13's grad
for name, g in zip(("x", "h", "p1"), torch.autograd.grad(le, [xe, he, pe[1]])):
    tensor("edge.grad." + name, g)
tensor("edge.x", xe)
text("edge.error.no_grad", "It is not possible to get the gradient edge for a Tensor that does not require gradients")

# ---------------------------------------------------------------- Tensor.itemsize and nbytes

for dt in (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16, torch.bfloat16,
           torch.float32, torch.float64, torch.complex64, torch.complex128):
    name = str(dt).replace("torch.", "")
    t = torch.zeros((2, 3, 5), dtype=dt)
    text("itemsize." + name, str(t.element_size()))
    text("nbytes." + name, str(t.numel() * t.element_size()))
    v = t[:, 1:, ::2]  # a view: its own elements counted, not its storage's
    text("nbytes.view." + name, str(v.numel() * v.element_size()))
    e = torch.zeros((3,), dtype=dt).expand(4, 3)  # an expanded tensor: every element it shows
    text("nbytes.expand." + name, str(e.numel() * e.element_size()))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(LINES) + "\n")
print(len(LINES), "lines")
