# Differential fuzz round 20 for DifferentialFuzzR20Test.java: seeded PROGRAMS ON torch.distributions after one
# torch.manual_seed on PyTorch's CPU generator (MT19937), run in PyTorch with everything recorded; FuzzR20Interpreter.java
# replays each in Ember (Ember.manualSeed, the default generator MT19937).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr20 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU, Debian's build: capability AVX2, no MKL; the seed is fixed, so a second run writes the same bytes)
#
# A program: torch.manual_seed(s), parameter tensors (float64 mostly, float32 in about one program of five; batch shapes
# (), (3,) and (2, 3), each parameter of a shape that broadcasts to it; some requires_grad leaves), one or two
# distributions of a random family with validate_args True or False (now and then a parameter outside its constraint:
# the ValueError), then statements: sample / rsample with a sample_shape, log_prob of in-support values (sampled under
# a forked generator, so the program's generator does not move), of out-of-support values and of values of a wrong shape,
# cdf / icdf, mean / mode / variance / stddev / entropy, expand, batch_shape / event_shape / support, enumerate_support,
# gradients of rsample and of log_prob with respect to the parameters, kl_divergence between two distributions
# (registered pairs, and unregistered ones: NotImplementedError's text).
#
# Format: "=== <id> P <n>", then one statement a line, each followed by "err <TYPE> <first line of the message>" or by
# its result lines; "st <hash>" (as round 19: SHA-256 of the torch.get_rng_state() bytes with the cached normal sample
# zeroed, '/', the sample's bits or '-') after every statement that draws.
#   new vK DT SHAPE RG HEX            a tensor (RG 1: a requires_grad leaf), IEEE bits row-major ('-' none)
#   dist dK VA FAMILY ARGS...         VA 1/0 validate_args; ARGS var names, '-' for None, integers for Multinomial's
#                                     total_count and LKJCholesky's dim
#   indep dK VA dB N | mix dK VA dCat dComp | trans dK VA dB T...   (T: exp, sigmoid, tanh, affine:vL:vS, power:vE)
#   expand dK dS SHAPE
#   sample|rsample dK SHAPE           | logprob|cdf|icdf dK vX | prop dK mean|mode|variance|stddev|entropy
#   shapes dK ("= meta BATCH EVENT" and "= support <repr>") | enum dK 1|0
#   gradr dK SHAPE vA... : x = rsample(SHAPE), loss = (x * c).sum(), c[k] = ((k mod 5) + 1) / 4 over x's row-major
#                          k; results x then each vA's grad ("= none" where None), grads cleared after
#   gradl dK vX vA...    : lp = log_prob(vX), loss = (lp * c).sum(); results lp then the grads
#   kl dA dB
#   result: "= DT SHAPE HEX" (HEX the IEEE bits, 16 digits a float64, 8 a float32; integers and bool as float64 bits
#   of the value, with DT naming the type), shape comma separated, '-' for 0-d.
#
# 1.13 vs 2.x (Ember follows 2.x):
#   - the serial normal (normal_distribution<double>: fewer than 16 elements, or torch.normal of tensors of fewer than
#     16): 2.x takes r = sqrt(-2 log1p(-u2)), 1.13 log(1 - u2): Tensor.normal_ is replaced below by round 19's
#     emulation (serial_normals, checked there bit for bit against 1.13's own formula); exponential_: 2.x
#     -1 / lambda * log1p(-u), 1.13 log(1 - u): emulated too (Exponential.rsample).
#   - _standard_gamma / _sample_dirichlet draw their normals by normal_distribution<double> too (1.13's log(1 - u2),
#     2.x's log1p(-u2)): not emulated (the two differ in the last bits of a normal, inside the test's tolerance on
#     values and on the cached normal sample; a rejection decision that flipped would change the state words, which
#     are compared exactly: none in these cases).
#   - torch.multinomial of one sample with replacement (Categorical, OneHotCategorical, MixtureSameFamily draw so):
#     2.x takes its fast path (exponential_ over empty_like(probs), argmax of probs / q), 1.13 the cumulative one:
#     emulated (multinomial_2x, round 19's).
#   - VonMises.sample: 2.x (2.2 on) samples in float64 whatever the parameters' type and casts back; 1.13 drew in the
#     parameters' type: emulated (vonmises_sample_2x).
#   - torch.matmul of a matrix (not requiring grad) and a batch: 2.x expands the matrix and multiplies by bmm, 1.13
#     folded it into one sgemm (fused multiply-adds where bmm's small loop rounds each product): emulated (matmul_2x;
#     MultivariateNormal's, LowRankMultivariateNormal's and Wishart's samples).
#   - Wishart.rsample: 2.x redraws the samples that are not positive definite, 1.13 (a bug) those that are:
#     emulated (wishart_rsample_2x).
#   - Dirichlet.log_prob (and Beta's): 2.x's xlogy(concentration - 1, value): emulated (dirichlet_log_prob_2x).
#   - LogNormal.variance (and stddev): 2.x's expm1 of scale ** 2: emulated (lognormal_variance_2x).
#   - binary_cross_entropy_with_logits (Bernoulli's, ContinuousBernoulli's log_prob and entropy, Geometric's entropy):
#     2.x's (1 - t) x - log_sigmoid(x): emulated (bce_with_logits_2x).
#   - Gamma.cdf (and Chi2's): 2.x's torch.special.gammainc(concentration, rate * value) after _validate_sample; 1.13
#     has no Gamma.cdf (NotImplementedError): emulated below.
# Edge programs (one in four): parameters take values such as 1e-6 and 60 (positive), 0, 1, 1e-9 and 1 - 1e-9
#   (probabilities), +-30 (logits), +-1e4 (locations) now and then, and the values scored 0, -0, 1, 1e-300 or 1e300.
# Tolerances (the test's): state words exact, the cached normal sample within 4 ulps; values of discrete samples and of
#   Uniform / Bernoulli / Categorical / OneHotCategorical / Multinomial / Binomial / Poisson samples bit for bit, and
#   the float32 samples of MultivariateNormal / LowRankMultivariateNormal / Wishart / LKJCholesky (session 47); other
#   float64 values |ember - torch| <= 1e-12 * max(1, |torch|) (Java's and glibc's log, exp, lgamma, digamma... differ in
#   the last bits); float32 values 1e-5 * max(1, |torch|); NaN matches NaN.
# Hunts still meet (session 63, seeds 6320 and 6420, not fixed): the bit-for-bit float32 samples an ulp off where
#   Ember's float32 sum accumulates in double (LKJCholesky's 1 - sum(w ** 2, -1): PyTorch sums a row of 4 in float) and
#   where a factor of 3 or more rows meets LAPACK's own order (OpenBLAS's potf2 subtracts the dot product of a row,
#   summed first, from the diagonal; Ember, as reference LAPACK's potrf2, subtracts the products in turn: Wishart and
#   MultivariateNormal of 3 x 3 float32 matrices). The reciprocal potf2 scales a column by is Ember's since session 63
#   (CholeskyReciprocalTest).
import hashlib
import math
import os
import random
import struct
import sys
import warnings
from fractions import Fraction

import torch
import torch.distributions as D
from torch.distributions import transforms as T
from torch.distributions import constraints

warnings.filterwarnings('ignore')
SEED = int(os.environ.get('FUZZ_SEED', '2020'))
N_PROGRAMS = int(os.environ.get('FUZZ_N', '200'))
rng = random.Random(SEED)
torch.set_default_dtype(torch.float32)

# --------------------------------------------------------------------------------------------- 2.x emulations
ND = 5024  # offset of legacy_pod.normal_y in the 5056 state bytes; normal_is_valid at 5040


def state_hash(state):
    b = bytearray(state.tolist())
    y = b[5024:5032]
    b[5024:5032] = bytes(8)
    valid = struct.unpack_from('<i', b, 5040)[0] != 0
    return hashlib.sha256(bytes(b)).hexdigest()[:16] + '/' + ('%016x' % struct.unpack('<Q', bytes(y))[0] if valid else '-')


def fma(a, b, c):
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def read_cache():
    s = bytes(torch.get_rng_state().tolist())
    valid = struct.unpack_from('<i', s, 5040)[0] != 0
    return valid, struct.unpack_from('<d', s, ND)[0]


def write_cache(valid, value):
    s = bytearray(torch.get_rng_state().tolist())
    struct.pack_into('<d', s, ND, value if valid else 0.0)
    struct.pack_into('<i', s, 5040, 1 if valid else 0)
    torch.set_rng_state(torch.tensor(list(s), dtype=torch.uint8))


_rand = torch.rand


def uniforms(n):
    if n == 0:
        return []
    return _rand(n, dtype=torch.float64).tolist()


def serial_normals(n, mean, std):
    """n values of 2.x's normal_distribution<double>(mean, std), the generator's cached sample first (round 19's)."""
    valid, cached = read_cache()
    fresh = n - (1 if valid and n > 0 else 0)
    pairs = (fresh + 1) // 2
    u = uniforms(2 * pairs)
    out = []
    k = 0
    for _ in range(n):
        if valid:
            z = cached
            valid = False
        else:
            u1, u2 = u[k], u[k + 1]
            k += 2
            r = math.sqrt(-2.0 * math.log1p(-u2))
            theta = 2.0 * math.pi * u1
            cached = r * math.sin(theta)
            valid = True
            z = r * math.cos(theta)
        out.append(fma(z, std, mean))
    write_cache(valid, cached)
    return out


_normal_ = torch.Tensor.normal_
_exponential_ = torch.Tensor.exponential_


def normal_2x(self, mean=0.0, std=1.0, generator=None):
    assert generator is None
    if self.numel() >= 16 and self.is_contiguous():
        return _normal_(self, mean, std)  # the vectorized fill: the same in 1.13 and 2.x
    vals = serial_normals(self.numel(), mean, std)
    with torch.no_grad():
        self.copy_(torch.tensor(vals, dtype=torch.float64).reshape(self.shape))
    return self


def exponential_2x(self, lambd=1.0, generator=None):
    assert generator is None and self.is_contiguous()
    vals = [(-1.0 / lambd) * math.log1p(-u) for u in uniforms(self.numel())]
    with torch.no_grad():
        self.copy_(torch.tensor(vals, dtype=torch.float64).reshape(self.shape))
    return self


def normal_tensors_2x(mean, std, *args, **kwargs):
    # ATen's normal(Tensor mean, Tensor std): empty (broadcast shape) .normal_(0, 1), then mul_(std).add_(mean)
    assert not args and not kwargs and torch.is_tensor(mean) and torch.is_tensor(std)
    shape = torch.broadcast_shapes(mean.shape, std.shape)
    out = torch.empty(shape, dtype=mean.dtype)
    normal_2x(out)
    return out.mul_(std).add_(mean)


def randn_2x(*size, dtype=None, device=None, **kw):
    assert not kw
    if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
        size = tuple(size[0])
    return normal_2x(torch.empty(size, dtype=dtype or torch.get_default_dtype()))


torch.Tensor.normal_ = normal_2x
torch.Tensor.exponential_ = exponential_2x
torch.normal = normal_tensors_2x
torch.randn = randn_2x


def gamma_cdf_2x(self, value):
    if self._validate_args:
        self._validate_sample(value)
    return torch.special.gammainc(self.concentration, self.rate * value)


D.Gamma.cdf = gamma_cdf_2x

_multinomial = torch.multinomial


def multinomial_2x(P, n, replacement=False, generator=None):
    """2.x's fast path for one sample (with replacement too; 1.13 took the cumulative path there) and for no
    replacement: q = exponential_(1) over empty_like(P) (2.x's log1p), then argmax (keepdim) or the top n of P / q
    (round 19's emulation). 1.13's own call first, from the same state, for its checks only."""
    assert generator is None
    s0 = torch.get_rng_state()
    out = _multinomial(P, n, replacement)
    if replacement and n > 1:
        return out
    torch.set_rng_state(s0)
    q = torch.empty_like(P)
    exponential_2x(q, 1.0)
    q = P / q
    return q.argmax(-1, keepdim=True) if n == 1 else q.topk(n).indices


torch.multinomial = multinomial_2x


def vonmises_sample_2x(self, sample_shape=torch.Size()):
    """2.x's (2.2 on) VonMises.sample: the rejection sampler in float64 whatever the parameters' type (u of
    torch.rand((3,) + shape, float64)), _proposal_r's Taylor expansion 1 / kappa + kappa below kappa 1e-5, the result
    cast to loc's type; 1.13 drew in the parameters' type."""
    with torch.no_grad():
        shape = self._extended_shape(sample_shape)
        loc = self.loc.to(torch.double)
        kappa = self.concentration.to(torch.double)
        tau = 1 + (1 + 4 * kappa ** 2).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        r = torch.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho ** 2) / (2 * rho))
        x = torch.empty(shape, dtype=torch.double)
        return D.von_mises._rejection_sample(loc, kappa, r, x).to(self.loc.dtype)


D.VonMises.sample = vonmises_sample_2x


def wishart_rsample_2x(self, sample_shape=torch.Size(), max_try_correction=None):
    """2.x's Wishart.rsample: redraws where a sample is NOT positive definite (1.13 tested support.check without the
    negation, redrawing every valid sample)."""
    if max_try_correction is None:
        max_try_correction = 10
    sample_shape = torch.Size(sample_shape)
    sample = self._bartlett_sampling(sample_shape)
    is_singular = ~self.support.check(sample)
    if self._batch_shape:
        is_singular = is_singular.amax(self._batch_dims)
    if is_singular.any():
        for _ in range(max_try_correction):
            sample_new = self._bartlett_sampling(is_singular[is_singular].shape)
            sample[is_singular] = sample_new
            is_singular_new = ~self.support.check(sample_new)
            if self._batch_shape:
                is_singular_new = is_singular_new.amax(self._batch_dims)
            is_singular[is_singular.clone()] = is_singular_new
            if not is_singular.any():
                break
    return sample


D.Wishart.rsample = wishart_rsample_2x


_matmul = torch.matmul
_tensor_matmul = torch.Tensor.__matmul__


def matmul_2x(a, b):
    # 2.x's matmul of a matrix and a batch (3-D or more): should_fold declines a 2-D first operand that does not
    # require grad ('if (tensor1.dim() == 2) return false'), so the matrix is expanded and bmm multiplies (a batch with
    # K * M * N under 400 by baddbmm_cpu_kernel's loop of rounded products, no fused multiply-add); 1.13 folded it into
    # one sgemm of the transposed operands (fused multiply-adds). MultivariateNormal's and LowRankMultivariateNormal's
    # rsample (_batch_mv) and Wishart's Bartlett product meet it; expanding the matrix takes 1.13 down 2.x's path.
    if torch.is_tensor(a) and torch.is_tensor(b) and a.dim() == 2 and b.dim() >= 3 and not a.requires_grad:
        a = a.expand(b.shape[:-2] + a.shape)
    return _matmul(a, b)


torch.matmul = matmul_2x
torch.Tensor.__matmul__ = lambda self, other: matmul_2x(self, other) if torch.is_tensor(other) \
    else _tensor_matmul(self, other)


def dirichlet_log_prob_2x(self, value):
    # 2.x: xlogy(concentration - 1, value) (1.13: log(value) * (concentration - 1): the operands of a broadcast error
    # the other way round, and 0 * log(0) a NaN)
    if self._validate_args:
        self._validate_sample(value)
    return (torch.xlogy(self.concentration - 1.0, value).sum(-1) + torch.lgamma(self.concentration.sum(-1))
            - torch.lgamma(self.concentration).sum(-1))


D.Dirichlet.log_prob = dirichlet_log_prob_2x


def lognormal_variance_2x(self):
    # 2.x: scale_sq.expm1() * (2 loc + scale_sq).exp() (1.13: (scale ** 2).exp() - 1, which loses small scales)
    scale_sq = self.scale.pow(2)
    return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()


D.LogNormal.variance = property(lognormal_variance_2x)


class _BceWithLogits2x(torch.autograd.Function):
    """2.x's binary_cross_entropy_with_logits, reduction 'none': forward (1 - target) * input - log_sigmoid(input)
    (1.13: the max_val form, (1 - t) x + m + log(exp(-m) + exp(-x - m)), which differs in the last bits and keeps
    2.2e-16 where 2.x's gives 0: Geometric(probs=0).entropy() is inf in 1.13, nan in 2.x); backward derivatives.yaml's
    binary_cross_entropy_with_logits_backward, grad * (sigmoid(input) - target), and the target's -input * grad (the
    same in both)."""

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input, target)
        return (1 - target) * input - torch.nn.functional.logsigmoid(input)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        return grad * (input.sigmoid() - target), -input * grad


def bce_with_logits_2x(input, target, weight=None, size_average=None, reduce=None, reduction='mean', pos_weight=None):
    assert weight is None and pos_weight is None and reduction == 'none'
    return _BceWithLogits2x.apply(input, target)


for _m in (D.bernoulli, D.continuous_bernoulli, D.geometric):
    _m.binary_cross_entropy_with_logits = bce_with_logits_2x

# --------------------------------------------------------------------------------------------- formatting
NAME = {torch.float32: 'float32', torch.float64: 'float64', torch.int64: 'int64', torch.bool: 'bool',
        torch.int32: 'int32'}


def hexbits(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.float32:
        return ''.join('%08x' % (b & 0xffffffff) for b in t.view(torch.int32).tolist())
    return ''.join('%016x' % (b & 0xffffffffffffffff) for b in t.double().view(torch.int64).tolist())


def shape_text(s):
    return ','.join(str(x) for x in s) if len(s) else '-'


def fmt(t):
    if t is None:
        return '= none'
    return '= %s %s %s' % (NAME[t.dtype], shape_text(t.shape), hexbits(t) if t.numel() else '-')


class Program:
    def __init__(self):
        self.lines = []
        self.vars = {}
        self.dists = {}
        self.meta = {}  # dK -> (family, dtype)

    def st(self):
        self.lines.append('st ' + state_hash(torch.get_rng_state()))

    def run(self, line, fn, draws=False):
        self.lines.append(line)
        try:
            res = fn()
        except AttributeError:
            # PyTorch's own bug (1.13 and 2.x): an expanded Multinomial has no _binomial, so its entropy() fails;
            # left out (Ember answers it)
            self.lines.pop()
            return None
        except (RuntimeError, ValueError, IndexError, TypeError, NotImplementedError, AssertionError) as e:
            kind = type(e).__name__
            if kind == 'AssertionError':
                raise
            self.lines.append('err %s %s' % (kind, str(e).split('\n')[0]))
            res = None
        for t in res or []:
            self.lines.append(fmt(t))
        if draws:
            self.st()
        return res

    def new(self, t, rg=False):
        k = 'v%d' % len(self.vars)
        t = t.detach().clone()
        if rg:
            t.requires_grad_(True)
        self.vars[k] = t
        self.lines.append('new %s %s %s %d %s' % (k, NAME[t.dtype], shape_text(t.shape), 1 if rg else 0,
                                                  hexbits(t) if t.numel() else '-'))
        return k


# --------------------------------------------------------------------------------------------- parameters
BATCHES = [(), (3,), (2, 3)]


def param_shape(batch):
    if batch == ():
        return ()
    if batch == (3,):
        return rng.choice([(3,), (3,), (), (1,)])
    return rng.choice([(2, 3), (2, 3), (3,), (2, 1), (1, 3), ()])


EDGE = [False]  # this program's parameters take edge values now and then
EDGES = {(0.3, 3.0): [1e-6, 60.0, 1e-3], (0.05, 0.95): [0.0, 1.0, 1e-9, 1 - 1e-9],
         (-3.0, 3.0): [-30.0, 30.0, 0.0], (-2.0, 2.0): [-1e4, 1e4, 0.0], (0.4, 4.0): [1e-3, 80.0]}


def vals(shape, lo, hi):
    n = math.prod(shape)
    edges = EDGES.get((lo, hi)) if EDGE[0] else None
    return torch.tensor([rng.choice(edges) if edges and rng.random() < 0.3 else rng.uniform(lo, hi)
                         for _ in range(n)], dtype=torch.float64).reshape(shape)


def spd(batch, d):
    n = math.prod(batch)
    a = vals(tuple(batch) + (d, d), -1, 1)
    m = a @ a.transpose(-1, -2) + torch.eye(d, dtype=torch.float64) * rng.uniform(0.3, 1.5)
    return m


def tril(batch, d):
    a = vals(tuple(batch) + (d, d), -1, 1).tril(-1)
    diag = vals(tuple(batch) + (d,), 0.3, 2)
    return a + torch.diag_embed(diag)


POS = (0.3, 3.0)
REAL = (-2.0, 2.0)
PROB = (0.05, 0.95)
LOGIT = (-3.0, 3.0)


def bad(t, how):
    """A copy with one element moved outside the constraint."""
    t = t.clone()
    flat = t.view(-1)
    flat[rng.randrange(flat.numel())] = how
    return t


class Builder:
    def __init__(self, p, dt):
        self.p = p
        self.dt = dt

    def param(self, batch, rngs, rg=True, event=(), value=None, invalid=None):
        v = value if value is not None else vals(param_shape(batch) + tuple(event), *rngs)
        if invalid is not None and v.numel() > 0:
            v = bad(v, invalid)
        v = v.to(self.dt)
        return self.p.new(v, rg and rng.random() < 0.6)


# no edge values for these: their linear algebra (Woodbury's capacitance, Cholesky) and NegativeBinomial's lgamma of
# huge counts are ill-conditioned there, and 1e-12 of the result is below what either side's rounding guarantees
NO_EDGE = ('MultivariateNormal', 'LowRankMultivariateNormal', 'Wishart', 'NegativeBinomial', 'LKJCholesky')


def family_args(b, fam, batch, invalid):
    """The ARGS text and a constructor of the PyTorch distribution, for family fam."""
    saved = EDGE[0]
    EDGE[0] = saved and fam not in NO_EDGE
    try:
        return family_args_(b, fam, batch, invalid)
    finally:
        EDGE[0] = saved


def family_args_(b, fam, batch, invalid):
    P = b.p.vars
    inv = invalid

    def two(r1, r2, bad1=None, bad2=None):
        which = rng.randrange(2)
        a = b.param(batch, r1, invalid=bad1 if inv and which == 0 else None)
        c = b.param(batch, r2, invalid=bad2 if inv and which == 1 else None)
        return [a, c]

    def pl(event=()):
        # probs or logits
        if rng.random() < 0.5:
            k = b.param(batch, PROB, event=event, invalid=(1.5 if not event else -0.5) if inv else None)
            return [k, '-']
        k = b.param(batch, LOGIT, event=event)
        return ['-', k]

    simple = {
        'Normal': (REAL, POS, None, -1.0, D.Normal), 'LogNormal': (REAL, POS, None, -1.0, D.LogNormal),
        'Laplace': (REAL, POS, None, 0.0, D.Laplace), 'Cauchy': (REAL, POS, None, -0.5, D.Cauchy),
        'Gumbel': (REAL, POS, None, -1.0, D.Gumbel), 'Gamma': (POS, POS, -1.0, 0.0, D.Gamma),
        'Beta': (POS, POS, 0.0, -1.0, D.Beta), 'Kumaraswamy': (POS, POS, -1.0, 0.0, D.Kumaraswamy),
        'FisherSnedecor': (POS, POS, -2.0, 0.0, D.FisherSnedecor), 'Pareto': ((0.5, 2.0), (2.5, 5.0), 0.0, -1.0, D.Pareto),
        'Weibull': (POS, (0.5, 3.0), -1.0, 0.0, D.Weibull), 'VonMises': (REAL, POS, None, -1.0, D.VonMises),
    }
    if fam in simple:
        r1, r2, b1, b2, ctor = simple[fam]
        args = two(r1, r2, b1, b2)
        return args, lambda va: ctor(P[args[0]], P[args[1]], validate_args=va)
    if fam == 'Uniform':
        lo = b.param(batch, (-2.0, 0.0))
        hi = b.param(batch, (0.5, 3.0), invalid=-5.0 if inv else None)
        return [lo, hi], lambda va: D.Uniform(P[lo], P[hi], validate_args=va)
    one = {'Exponential': (POS, -1.0, D.Exponential), 'HalfNormal': (POS, 0.0, D.HalfNormal),
           'HalfCauchy': (POS, -1.0, D.HalfCauchy), 'Chi2': (POS, -1.0, D.Chi2), 'Poisson': (POS, -1.0, D.Poisson)}
    if fam in one:
        r, bd, ctor = one[fam]
        a = b.param(batch, r, invalid=bd if inv else None, rg=fam != 'Poisson')
        return [a], lambda va: ctor(P[a], validate_args=va)
    if fam == 'StudentT':
        df = b.param(batch, (1.5, 6.0), invalid=-1.0 if inv else None)
        loc = b.param(batch, REAL)
        sc = b.param(batch, POS)
        return [df, loc, sc], lambda va: D.StudentT(P[df], P[loc], P[sc], validate_args=va)
    if fam == 'Dirichlet':
        k = rng.choice([2, 3, 4])
        c = b.param(batch, (0.4, 4.0), event=(k,), invalid=-1.0 if inv else None)
        return [c], lambda va: D.Dirichlet(P[c], validate_args=va)
    if fam in ('Bernoulli', 'Geometric', 'ContinuousBernoulli'):
        a = pl()
        ctor = {'Bernoulli': D.Bernoulli, 'Geometric': D.Geometric, 'ContinuousBernoulli': D.ContinuousBernoulli}[fam]
        return a, lambda va: ctor(probs=None if a[0] == '-' else P[a[0]], logits=None if a[1] == '-' else P[a[1]],
                                  validate_args=va)
    if fam in ('Binomial', 'NegativeBinomial'):
        if fam == 'Binomial':
            homo = rng.random() < 0.5
            ns = param_shape(batch)
            n = torch.full(ns, float(rng.randint(1, 6)), dtype=torch.float64) if homo else \
                torch.tensor([float(rng.randint(0, 8)) for _ in range(math.prod(ns))], dtype=torch.float64).reshape(ns)
            if inv and n.numel():
                n = bad(n, -1.0)
        else:
            n = vals(param_shape(batch), 0.5, 6.0)
            if inv and n.numel():
                n = bad(n, -1.0)
        nk = b.p.new(n.to(b.dt), False)
        a = pl()
        ctor = D.Binomial if fam == 'Binomial' else D.NegativeBinomial
        return [nk] + a, lambda va: ctor(P[nk], probs=None if a[0] == '-' else P[a[0]],
                                         logits=None if a[1] == '-' else P[a[1]], validate_args=va)
    if fam in ('Categorical', 'OneHotCategorical'):
        k = rng.choice([2, 3, 4])
        a = pl(event=(k,))
        ctor = D.Categorical if fam == 'Categorical' else D.OneHotCategorical
        return a, lambda va: ctor(probs=None if a[0] == '-' else P[a[0]], logits=None if a[1] == '-' else P[a[1]],
                                  validate_args=va)
    if fam == 'Multinomial':
        k = rng.choice([2, 3, 4])
        n = rng.randint(1, 5)
        a = pl(event=(k,))
        return [str(n)] + a, lambda va: D.Multinomial(n, probs=None if a[0] == '-' else P[a[0]],
                                                       logits=None if a[1] == '-' else P[a[1]], validate_args=va)
    if fam in ('RelaxedBernoulli', 'RelaxedOneHotCategorical'):
        t = b.p.new(torch.tensor(rng.uniform(0.3, 2.0), dtype=b.dt), rng.random() < 0.5)
        a = [t] + pl(event=(rng.choice([2, 3]),) if fam == 'RelaxedOneHotCategorical' else ())
        ctor = D.RelaxedBernoulli if fam == 'RelaxedBernoulli' else D.RelaxedOneHotCategorical
        return a, lambda va: ctor(P[t], probs=None if a[1] == '-' else P[a[1]],
                                        logits=None if a[2] == '-' else P[a[2]], validate_args=va)
    if fam == 'MultivariateNormal':
        d = rng.choice([2, 3])
        loc = b.param(batch, REAL, event=(d,))
        mb = param_shape(batch)
        which = rng.randrange(3)
        m = tril(mb, d) if which == 2 else spd(mb, d)
        if inv:
            m = m.clone()
            m[..., 0, 1] += 5.0 if which < 2 else 0.0
            if which == 2:
                m[..., 0, 0] = -1.0
        mk = b.p.new(m.to(b.dt), rng.random() < 0.5)
        a = [loc, '-', '-', '-']
        a[1 + which] = mk
        return a, lambda va: D.MultivariateNormal(P[loc], covariance_matrix=P[mk] if which == 0 else None,
                                                  precision_matrix=P[mk] if which == 1 else None,
                                                  scale_tril=P[mk] if which == 2 else None, validate_args=va)
    if fam == 'LowRankMultivariateNormal':
        d = rng.choice([2, 3])
        r = rng.choice([1, 2])
        loc = b.param(batch, REAL, event=(d,))
        f = b.param(batch, REAL, event=(d, r))
        dg = b.param(batch, POS, event=(d,), invalid=-1.0 if inv else None)
        return [loc, f, dg], lambda va: D.LowRankMultivariateNormal(P[loc], P[f], P[dg], validate_args=va)
    if fam == 'LKJCholesky':
        d = rng.choice([2, 3, 4])
        c = b.param(batch, (0.5, 3.0), invalid=-1.0 if inv else None)
        return [str(d), c], lambda va: D.LKJCholesky(d, P[c], validate_args=va)
    if fam == 'Wishart':
        d = rng.choice([2, 3])
        df = b.param(batch, (d + 0.5, d + 4.0), invalid=0.5 if inv else None)
        mb = param_shape(batch)
        which = rng.randrange(3)
        m = tril(mb, d) if which == 2 else spd(mb, d)
        mk = b.p.new(m.to(b.dt), rng.random() < 0.5)
        a = [df, '-', '-', '-']
        a[1 + which] = mk
        return a, lambda va: D.Wishart(P[df], covariance_matrix=P[mk] if which == 0 else None,
                                       precision_matrix=P[mk] if which == 1 else None,
                                       scale_tril=P[mk] if which == 2 else None, validate_args=va)
    raise KeyError(fam)


FAMILIES = ['Normal', 'LogNormal', 'Uniform', 'Exponential', 'Laplace', 'Cauchy', 'Gamma', 'Beta', 'Chi2', 'StudentT',
            'Dirichlet', 'Bernoulli', 'Binomial', 'Categorical', 'OneHotCategorical', 'Multinomial', 'Geometric',
            'Poisson', 'NegativeBinomial', 'MultivariateNormal', 'LowRankMultivariateNormal', 'RelaxedBernoulli',
            'RelaxedOneHotCategorical', 'Gumbel', 'HalfNormal', 'HalfCauchy', 'Pareto', 'Weibull', 'VonMises',
            'Kumaraswamy', 'ContinuousBernoulli', 'FisherSnedecor', 'LKJCholesky', 'Wishart',
            'Independent', 'MixtureSameFamily', 'Transformed']
# pairs kl.py registers across families (2.x's and 1.13's lists agree on these)
CROSS = {'Normal': ['Laplace', 'Gumbel'], 'Exponential': ['Gamma', 'Gumbel', 'Normal'], 'Gamma': ['Exponential', 'Normal'],
         'Beta': ['Uniform', 'Exponential', 'Normal'], 'Uniform': ['Normal', 'Gumbel', 'Exponential', 'Beta'],
         'Laplace': ['Normal'], 'Gumbel': ['Normal']}

# --------------------------------------------------------------------------------------------- programs


def build(p, fam, dt, batch, invalid, va):
    b = Builder(p, dt)
    k = 'd%d' % len(p.dists)
    if fam == 'Independent':
        base = build(p, rng.choice(['Normal', 'Bernoulli', 'Gamma', 'Laplace', 'Dirichlet']), dt, (2, 3), False, va)
        if base is None:
            return None
        nd = rng.choice([1, 2])
        line = 'indep %s %d %s %d' % (k, va, base, nd)
        r = p.run(line, lambda: [D.Independent(p.dists[base], nd, validate_args=bool(va))] and [])
        if p.lines[-1].startswith('err'):
            return None
        p.dists[k] = D.Independent(p.dists[base], nd, validate_args=bool(va))
        p.meta[k] = ('Independent', dt)
        return k
    if fam == 'MixtureSameFamily':
        kk = rng.choice([2, 3])
        bb = rng.choice([(), (3,)])
        probs = b.param(bb, PROB, event=(kk,), rg=False)
        cat = 'd%d' % len(p.dists)
        p.run('dist %s %d Categorical %s -' % (cat, va, probs), lambda: [])
        p.dists[cat] = D.Categorical(probs=p.vars[probs], validate_args=bool(va))
        p.meta[cat] = ('Categorical', dt)
        ev = rng.random() < 0.4
        comp = 'd%d' % len(p.dists)
        loc = b.param(bb, REAL, event=(kk, 2) if ev else (kk,), value=vals(bb + ((kk, 2) if ev else (kk,)), *REAL))
        sc = b.param(bb, POS, event=(kk, 2) if ev else (kk,), value=vals(bb + ((kk, 2) if ev else (kk,)), *POS))
        p.run('dist %s %d Normal %s %s' % (comp, va, loc, sc), lambda: [])
        p.dists[comp] = D.Normal(p.vars[loc], p.vars[sc], validate_args=bool(va))
        p.meta[comp] = ('Normal', dt)
        if ev:
            c2 = 'd%d' % len(p.dists)
            p.run('indep %s %d %s 1' % (c2, va, comp), lambda: [])
            p.dists[c2] = D.Independent(p.dists[comp], 1, validate_args=bool(va))
            p.meta[c2] = ('Independent', dt)
            comp = c2
        k = 'd%d' % len(p.dists)
        p.run('mix %s %d %s %s' % (k, va, cat, comp), lambda: [])
        p.dists[k] = D.MixtureSameFamily(p.dists[cat], p.dists[comp], validate_args=bool(va))
        p.meta[k] = ('MixtureSameFamily', dt)
        return k
    if fam == 'Transformed':
        base = build(p, 'Normal', dt, batch, False, va)
        choice = rng.randrange(6)
        ts = []
        texts = []
        if choice in (0, 3):
            ts.append(T.ExpTransform())
            texts.append('exp')
        if choice in (1, 4, 5):
            lv = b.param(batch, REAL, rg=False)
            sv = b.param(batch, (0.5, 2.0), rg=False)
            ts.append(T.AffineTransform(p.vars[lv], p.vars[sv]))
            texts.append('affine:%s:%s' % (lv, sv))
        if choice == 3:
            e = b.param((), (0.5, 2.0), rg=False)
            ts.append(T.PowerTransform(p.vars[e]))
            texts.append('power:%s' % e)
        if choice == 4:
            ts.append(T.SigmoidTransform())
            texts.append('sigmoid')
        if choice in (2, 5):
            ts.append(T.TanhTransform())
            texts.append('tanh')
        k = 'd%d' % len(p.dists)
        p.run('trans %s %d %s %s' % (k, va, base, ' '.join(texts)), lambda: [])
        p.dists[k] = D.TransformedDistribution(p.dists[base], ts, validate_args=bool(va))
        p.meta[k] = ('Transformed', dt)
        return k
    args, ctor = family_args(b, fam, batch, invalid)
    k = 'd%d' % len(p.dists)
    box = {}
    p.run('dist %s %d %s %s' % (k, va, fam, ' '.join(args)), lambda: box.setdefault('d', ctor(bool(va))) and [])
    if 'd' not in box:
        return None
    p.dists[k] = box['d']
    p.meta[k] = (fam, dt)
    return k


def nested(d, seen=None):
    seen = seen if seen is not None else []
    if isinstance(d, D.Distribution) and all(d is not x for x in seen):
        seen.append(d)
        for v in list(d.__dict__.values()):
            nested(v, seen)
    return seen


def forked(fn, seed, d=None):
    """fn under a forked generator; where d is given, the lazy properties (probs, logits, scale_tril...) that fn makes
    d or its inner distributions compute are dropped after, so the repr in PyTorch's messages shows only what the
    recorded statements computed (Ember keeps such parameters lazily too, and its repr shows them likewise)."""
    ds = nested(d) if d is not None else []
    keys = [set(x.__dict__) for x in ds]
    try:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return fn()
    finally:
        for x, k in zip(ds, keys):
            for name in list(x.__dict__):
                if name not in k:
                    del x.__dict__[name]


def support_value(d, sshape):
    with torch.no_grad():
        return forked(lambda: d.sample(sshape), rng.randrange(10 ** 6), d)


def out_of_support(d, x):
    return forked(lambda: out_of_support_(d, x), 0, d)


def out_of_support_(d, x):
    for how in (float('nan'), -1.0, 1.5, 0.5, 2.0, -0.25, 7.0):
        y = x.clone(memory_format=torch.contiguous_format)
        if y.numel() == 0:
            return None
        if not y.dtype.is_floating_point and how != int(how) if how == how else not y.dtype.is_floating_point:
            continue
        y.view(-1)[rng.randrange(y.numel())] = how
        try:
            ok = d.support.check(y)
        except Exception:
            return None
        if not bool(ok.all()):
            return y
    return None


def weights(n, dtype):
    return torch.tensor([((k % 5) + 1) * 0.25 for k in range(n)], dtype=dtype)


def grad_leaves(p, d_key):
    return [k for k, v in p.vars.items() if v.requires_grad]


def clear_grads(p):
    for v in p.vars.values():
        v.grad = None


SSHAPES = [(), (), (2,), (4,), (2, 2), (1,), (0,)]


def unimplemented(fn, d):
    """Whether fn raises a bare NotImplementedError (the method is not there), run under a forked generator."""
    try:
        with torch.no_grad():
            forked(fn, 0, d)
    except NotImplementedError as e:
        return str(e) == ''
    except Exception:
        return False
    return False


def statement(p, k):
    d = p.dists[k]
    what = rng.choice(['sample', 'sample', 'rsample', 'logprob', 'logprob', 'logbad', 'logshape', 'cdf', 'icdf',
                       'prop', 'prop', 'shapes', 'enum', 'gradr', 'gradl', 'expand'])
    probe = {'rsample': lambda: d.rsample(), 'cdf': lambda: d.cdf(d.sample()), 'enum': lambda: d.enumerate_support(),
             'icdf': lambda: d.icdf(torch.full(d.batch_shape, 0.5, dtype=p.meta[k][1]))}
    if what == 'cdf' and isinstance(d, D.Gamma) and bool((d.concentration > 20).any()):
        # left out: PyTorch's igamma (Cephes, with Temme's asymptotic series for a > 20 near x = a) is up to 5e-10 from
        # the true value there; Ember's series and continued fraction are within 1e-14 of it (a reported difference)
        what = 'logprob'
    if what in probe and unimplemented(probe[what], d) and rng.random() > 0.1:
        what = rng.choice(['sample', 'logprob', 'prop'])  # a method the family lacks: asked now and then only
    if what == 'sample':
        ss = rng.choice(SSHAPES)
        p.run('sample %s %s' % (k, shape_text(ss)), lambda: [d.sample(ss)], draws=True)
    elif what == 'rsample' or (what == 'gradr' and not d.has_rsample):
        ss = rng.choice(SSHAPES)
        p.run('rsample %s %s' % (k, shape_text(ss)), lambda: [d.rsample(ss).detach()], draws=True)
    elif what == 'gradr':
        ss = rng.choice(SSHAPES[:-1])
        leaves = grad_leaves(p, k)

        def fn():
            x = d.rsample(ss)
            loss = (x * weights(x.numel(), x.dtype).reshape(x.shape)).sum()
            gs = torch.autograd.grad(loss, [p.vars[v] for v in leaves], allow_unused=True, retain_graph=True) if leaves and loss.requires_grad else [None] * len(leaves)
            return [x.detach()] + list(gs)
        p.run('gradr %s %s %s' % (k, shape_text(ss), ' '.join(leaves)), fn, draws=True)
    elif what in ('logprob', 'cdf', 'icdf', 'gradl', 'logbad', 'logshape'):
        if what == 'icdf':
            x = vals(d.batch_shape[rng.randrange(len(d.batch_shape) + 1):] if len(d.batch_shape) else (), 0.02, 0.98)
            if rng.random() < 0.2 and x.numel():
                x = bad(x, rng.choice([1.5, -0.5]))
            x = x.to(p.meta[k][1])
        else:
            ss = rng.choice([(), (), (2,), (1,)])
            try:
                x = support_value(d, ss)
            except RuntimeError:
                return  # the distribution cannot sample (a mixture whose Categorical has fewer batch dims)
            if x.dim() > len(d.event_shape) and rng.random() < 0.3:
                x = x[(0,) * rng.randint(1, x.dim() - len(d.event_shape))]  # a suffix of the batch: broadcast
            if EDGE[0] and rng.random() < 0.3 and x.dtype.is_floating_point and x.numel():
                x = x.clone(memory_format=torch.contiguous_format)
                x.view(-1)[rng.randrange(x.numel())] = rng.choice([0.0, 1.0, -0.0, 1e-300, 1e300]) if x.dtype == torch.float64 else rng.choice([0.0, 1.0, -0.0, 1e-38, 1e38])
            if what == 'logbad':
                y = out_of_support(d, x)
                if y is None:
                    return
                x = y
            if what == 'logshape':
                x = torch.zeros((4,) + tuple(d.event_shape[:-1]) + ((d.event_shape[-1] + 1,) if d.event_shape else ()),
                                dtype=x.dtype) + 0.5
        vk = p.new(x.detach(), False)
        X = p.vars[vk]
        if what == 'gradl':
            leaves = grad_leaves(p, k)

            def fn():
                lp = d.log_prob(X)
                loss = (lp * weights(lp.numel(), lp.dtype).reshape(lp.shape)).sum()
                gs = torch.autograd.grad(loss, [p.vars[v] for v in leaves], allow_unused=True, retain_graph=True) if leaves and loss.requires_grad else [None] * len(leaves)
                return [lp.detach()] + list(gs)
            p.run('gradl %s %s %s' % (k, vk, ' '.join(leaves)), fn)
        else:
            op = {'logprob': 'logprob', 'logbad': 'logprob', 'logshape': 'logprob', 'cdf': 'cdf', 'icdf': 'icdf'}[what]
            f = {'logprob': d.log_prob, 'cdf': d.cdf, 'icdf': d.icdf}[op]
            p.run('%s %s %s' % (op, k, vk), lambda: [f(X).detach()])
    elif what == 'prop':
        name = rng.choice(['mean', 'mode', 'variance', 'stddev', 'entropy'])
        p.run('prop %s %s' % (k, name), lambda: [(d.entropy() if name == 'entropy' else getattr(d, name)).detach()])
    elif what == 'shapes':
        p.lines.append('shapes %s' % k)
        p.lines.append('= meta %s %s' % (shape_text(d.batch_shape), shape_text(d.event_shape)))
        p.lines.append('= support %s' % str(d.support).split('\n')[0])
    elif what == 'enum':
        e = rng.random() < 0.5
        p.run('enum %s %d' % (k, e), lambda: [d.enumerate_support(e)])
    elif what == 'expand':
        bs = tuple(d.batch_shape)
        target = rng.choice([(2,) + bs, (4,) + bs, bs, (5,)])
        k2 = 'd%d' % len(p.dists)
        box = {}
        p.run('expand %s %s %s' % (k2, k, shape_text(target)), lambda: box.setdefault('d', d.expand(target)) and [])
        if 'd' in box:
            p.dists[k2] = box['d']
            p.meta[k2] = p.meta[k]


def program():
    p = Program()
    s = rng.choice([0, 1, 2, 3, 7, 42, 1234, rng.randrange(10 ** 6)])
    torch.manual_seed(s)
    p.lines.append('seed %d' % s)
    p.st()
    dt = torch.float32 if rng.random() < 0.2 else torch.float64
    EDGE[0] = rng.random() < 0.25
    fam = rng.choice(FAMILIES)
    batch = rng.choice(BATCHES)
    va = 1 if rng.random() < 0.7 else 0
    invalid = rng.random() < 0.08
    k = build(p, fam, dt, batch, invalid and va == 1, va)
    if k is None:
        return p
    for _ in range(rng.randint(3, 9)):
        keys = [x for x in p.dists if p.meta[x][0] not in ('Categorical',) or x == k or rng.random() < 0.3]
        statement(p, rng.choice(keys))
    if rng.random() < 0.45:
        f0 = p.meta[k][0]
        if f0 in CROSS and rng.random() < 0.4:
            f1 = rng.choice(CROSS[f0])
        elif rng.random() < 0.15:
            f1 = rng.choice(FAMILIES[:34])
        else:
            f1 = f0
        if f1 in ('Independent', 'MixtureSameFamily', 'Transformed'):
            f1 = 'Normal'
        k1 = build(p, f1, dt, rng.choice(BATCHES) if rng.random() < 0.3 else tuple(p.dists[k].batch_shape)
                   if len(p.dists[k].batch_shape) < 3 else (2, 3), False, va)
        if k1 is not None:
            p.run('kl %s %s' % (k, k1), lambda: [D.kl_divergence(p.dists[k], p.dists[k1]).detach()])
    return p


def main():
    out = []
    for i in range(N_PROGRAMS):
        p = program()
        out.append('=== r20_%03d P %d' % (i, len(p.lines)))
        out.extend(p.lines)
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
