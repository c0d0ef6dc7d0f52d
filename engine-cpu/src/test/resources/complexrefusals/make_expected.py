# Writes expected.txt for ComplexRefusalNamesTest.java: PyTorch's refusal of each op that Ember refuses on a complex
# tensor (complex64 and complex128, CPU), as "<id>\t<dtype>\t<ExceptionClass>\t<message>" lines. The ids are PyTorch's
# op names (an in-place variant as op_); the test maps each id to its Ember call(s).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# Session 57: these messages used to be built by a StackWalker from the outermost Ember method's name ("erfinv",
# "bitwiseAnd_"); each op now names PyTorch's kernel (or words) explicitly. Where 2.x words a refusal differently from
# 1.13, OVERRIDES_2X below gives 2.x's message with the source it was read from; Ember follows 2.x.
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def x_(dt):
    return torch.tensor([[0.5 + 0.25j, -1.5 + 1j, 3 - 2j], [0.5j, 2 + 0j, 0.25 + 1.5j]], dtype=dt)


# id -> f(x, y): x and y fresh complex tensors of one shape
OPS = {
    # pointwise, real-only special functions and roundings
    "erf": lambda x, y: torch.erf(x), "erf_": lambda x, y: x.erf_(),
    "erfc": lambda x, y: torch.erfc(x), "erfc_": lambda x, y: x.erfc_(),
    "erfinv": lambda x, y: torch.erfinv(x), "erfinv_": lambda x, y: x.erfinv_(),
    "lgamma": lambda x, y: torch.lgamma(x), "lgamma_": lambda x, y: x.lgamma_(),
    "digamma": lambda x, y: torch.digamma(x), "digamma_": lambda x, y: x.digamma_(),
    "special.psi": lambda x, y: torch.special.psi(x),
    "special.gammaln": lambda x, y: torch.special.gammaln(x),
    "special.ndtr": lambda x, y: torch.special.ndtr(x),
    "special.entr": lambda x, y: torch.special.entr(x),
    "special.erfcx": lambda x, y: torch.special.erfcx(x),
    "special.i0e": lambda x, y: torch.special.i0e(x),
    "special.i1": lambda x, y: torch.special.i1(x),
    "special.i1e": lambda x, y: torch.special.i1e(x),
    "special.log_ndtr": lambda x, y: torch.special.log_ndtr(x),
    "special.ndtri": lambda x, y: torch.special.ndtri(x),
    "mvlgamma": lambda x, y: torch.mvlgamma(x, 1),
    "special.multigammaln": lambda x, y: torch.special.multigammaln(x, 1),
    "logsigmoid": lambda x, y: F.logsigmoid(x),
    "relu": lambda x, y: torch.relu(x), "relu_": lambda x, y: torch.relu_(x),
    "relu6": lambda x, y: F.relu6(x),
    "threshold": lambda x, y: F.threshold(x, 0.5, 0.0), "threshold_": lambda x, y: F.threshold_(x, 0.5, 0.0),
    "hardtanh": lambda x, y: F.hardtanh(x), "hardtanh_": lambda x, y: F.hardtanh_(x),
    "ceil": lambda x, y: torch.ceil(x), "ceil_": lambda x, y: x.ceil_(),
    "floor": lambda x, y: torch.floor(x), "floor_": lambda x, y: x.floor_(),
    "trunc": lambda x, y: torch.trunc(x), "trunc_": lambda x, y: x.trunc_(),
    "fix": lambda x, y: torch.fix(x), "fix_": lambda x, y: x.fix_(),
    "round": lambda x, y: torch.round(x), "round_": lambda x, y: x.round_(),
    "frac": lambda x, y: torch.frac(x), "frac_": lambda x, y: x.frac_(),
    "sign": lambda x, y: torch.sign(x), "sign_": lambda x, y: x.sign_(),
    # bitwise
    "bitwise_and": lambda x, y: torch.bitwise_and(x, y), "bitwise_and_": lambda x, y: x.bitwise_and_(y),
    "bitwise_or": lambda x, y: torch.bitwise_or(x, y), "bitwise_or_": lambda x, y: x.bitwise_or_(y),
    "bitwise_xor": lambda x, y: torch.bitwise_xor(x, y), "bitwise_xor_": lambda x, y: x.bitwise_xor_(y),
    "bitwise_not": lambda x, y: torch.bitwise_not(x), "bitwise_not_": lambda x, y: x.bitwise_not_(),
    "bitwise_left_shift": lambda x, y: torch.bitwise_left_shift(x, y),
    "bitwise_left_shift_": lambda x, y: x.bitwise_left_shift_(y),
    "bitwise_right_shift": lambda x, y: torch.bitwise_right_shift(x, y),
    "bitwise_right_shift_": lambda x, y: x.bitwise_right_shift_(y),
    # comparisons
    "lt": lambda x, y: torch.lt(x, y), "lt_": lambda x, y: x.lt_(y),
    "le": lambda x, y: torch.le(x, y), "le_": lambda x, y: x.le_(y),
    "gt": lambda x, y: torch.gt(x, y), "gt_": lambda x, y: x.gt_(y),
    "ge": lambda x, y: torch.ge(x, y), "ge_": lambda x, y: x.ge_(y),
    "less": lambda x, y: torch.less(x, y), "less_": lambda x, y: x.less_(y),
    "less_equal": lambda x, y: torch.less_equal(x, y), "less_equal_": lambda x, y: x.less_equal_(y),
    "greater": lambda x, y: torch.greater(x, y), "greater_": lambda x, y: x.greater_(y),
    "greater_equal": lambda x, y: torch.greater_equal(x, y), "greater_equal_": lambda x, y: x.greater_equal_(y),
    # binary min / max family, clamp family, heaviside
    "maximum": lambda x, y: torch.maximum(x, y), "minimum": lambda x, y: torch.minimum(x, y),
    "max.other": lambda x, y: torch.max(x, y), "min.other": lambda x, y: torch.min(x, y),
    "fmax": lambda x, y: torch.fmax(x, y), "fmin": lambda x, y: torch.fmin(x, y),
    "clamp": lambda x, y: torch.clamp(x, 0.5, 1.0), "clamp_": lambda x, y: x.clamp_(0.5, 1.0),
    "clamp_min": lambda x, y: torch.clamp_min(x, 0.5), "clamp_min_": lambda x, y: x.clamp_min_(0.5),
    "clamp_max": lambda x, y: torch.clamp_max(x, 0.5), "clamp_max_": lambda x, y: x.clamp_max_(0.5),
    "clip": lambda x, y: torch.clip(x, 0.5, 1.0), "clip_": lambda x, y: x.clip_(0.5, 1.0),
    "heaviside": lambda x, y: torch.heaviside(x, y), "heaviside_": lambda x, y: x.heaviside_(y),
    # tensor bounds: clamp's check; clamp_min / clamp_max of a tensor are maximum / minimum's kernels
    "clamp.Tensor": lambda x, y: torch.clamp(x, y, y),
    "clamp_min.Tensor": lambda x, y: torch.clamp_min(x, y), "clamp_max.Tensor": lambda x, y: torch.clamp_max(x, y),
    # a real and a complex operand (the common type is refused), two complex types (the wider one)
    "lt.real_self": lambda x, y: torch.lt(x.real.contiguous(), y),
    "lt.mixed": lambda x, y: torch.lt(x.to(torch.complex64), y.to(torch.complex128)),
    "heaviside.real_self": lambda x, y: torch.heaviside(x.real.contiguous(), y),
    # reductions, sorting, scans
    "max": lambda x, y: torch.max(x), "min": lambda x, y: torch.min(x),
    "max.dim": lambda x, y: torch.max(x, 1), "min.dim": lambda x, y: torch.min(x, 1),
    "amax": lambda x, y: torch.amax(x, 1), "amin": lambda x, y: torch.amin(x, 1),
    "argmax": lambda x, y: torch.argmax(x), "argmin": lambda x, y: torch.argmin(x),
    "aminmax": lambda x, y: torch.aminmax(x),
    "sort": lambda x, y: torch.sort(x), "argsort": lambda x, y: torch.argsort(x), "msort": lambda x, y: torch.msort(x),
    "topk": lambda x, y: torch.topk(x, 1), "kthvalue": lambda x, y: torch.kthvalue(x, 1),
    "median": lambda x, y: torch.median(x), "nanmedian": lambda x, y: torch.nanmedian(x),
    "median.dim": lambda x, y: torch.median(x, 1), "nanmedian.dim": lambda x, y: torch.nanmedian(x, 1),
    "mode": lambda x, y: torch.mode(x, 1),
    "cummax": lambda x, y: torch.cummax(x, 1), "cummin": lambda x, y: torch.cummin(x, 1),
    "unique": lambda x, y: torch.unique(x), "unique_consecutive": lambda x, y: torch.unique_consecutive(x),
    "unique.dim": lambda x, y: torch.unique(x, dim=0),
    "unique_consecutive.dim": lambda x, y: torch.unique_consecutive(x, dim=0),
    # dim 0 of a 1-D tensor is unique_consecutive_cpu's "unique" kernel, dim -1 its unique_dim
    "unique_consecutive.dim0_1d": lambda x, y: torch.unique_consecutive(x[0], dim=0),
    "unique_consecutive.dim-1_1d": lambda x, y: torch.unique_consecutive(x[0], dim=-1),
    "searchsorted": lambda x, y: torch.searchsorted(x, y), "bucketize": lambda x, y: torch.bucketize(x, y[0]),
    # its check var < 0 (a complex var; with a real var 1.13 computes a value)
    "gaussian_nll_loss": lambda x, y: F.gaussian_nll_loss(x, y, x.abs().to(x.dtype)),
}

# 2.x's messages where they differ from 1.13's (Ember follows 2.x): none found. Read in 2.x's source (pytorch/pytorch,
# aten/src/ATen/native/cpu/UnaryOpsKernel.cpp): IMPLEMENT_FLOAT_KERNEL(erf / erfc / erfinv / lgamma / round / ceil /
# floor / trunc) dispatches #op "_vml_cpu" (AT_DISPATCH_FLOATING_TYPES_AND2), digamma_kernel "digamma", frac_kernel
# "frac_cpu", bitwise_not_kernel "bitwise_not_cpu", as 1.13. Each entry would be id -> (exception class, message), with
# the source location read.
OVERRIDES_2X = {
}


def main():
    lines = []
    for name, fn in OPS.items():
        for dt, dname in ((torch.complex64, "complex64"), (torch.complex128, "complex128")):
            x = x_(dt)
            y = x_(dt).flip(1)
            try:
                fn(x, y)
                raise SystemExit(name + " " + dname + ": PyTorch 1.13 accepts it (an op Ember refuses): a gap to list")
            except (RuntimeError, NotImplementedError, TypeError) as e:
                kind = type(e).__name__
                msg = str(e).split("\n")[0]
            key = (name, dname)
            if key in OVERRIDES_2X or name in OVERRIDES_2X:
                kind, msg = OVERRIDES_2X.get(key, OVERRIDES_2X.get(name))
            lines.append("%s\t%s\t%s\t%s" % (name, dname, kind, msg))
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
