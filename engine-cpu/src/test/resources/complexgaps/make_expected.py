# Writes expected.txt for ComplexGapsTest.java: the complex gaps session 29 left (session 30, helper 3), one section per
# item: the losses on complex inputs (each loss computes, or refuses with PyTorch 2.x's message); an optimizer's state
# loaded into complex and real parameters of other types; the products of a complex and a real operand; complex values
# written into real tensors (copy_, fill_, index_put_ and the other writes); conv_transpose of complex tensors; cumprod of
# complex tensors (long dimensions, zeros); clamp of complex tensors (the refusals' messages).
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# Format: ReferenceCases' (refcases.run_case): "=== name", in<i>, out, fn, grad<i> lines (complex values as their
# parts, interleaved; the gradients of sum(out * w), or of sum(view_as_real(out) * w) for a complex out), or "error ...".
# Cases whose inputs must not require grad (PyTorch has no complex derivative for the op) detach them in fn.
#
# 2.x notes (losses):
# - binary_cross_entropy_with_logits is 2.x's composition (log_sigmoid(x).mul_(log_weight), (1 - t).mul_(x).sub_(...),
#   mul_(weight); Loss.cpp), run here as bce_logits_2x: a complex input is refused by log_sigmoid, a complex log_weight
#   cannot be written into the real log_sigmoid(x) (1.13's clamp composition computed it); 2.x's autograd refuses the
#   complex output when an input requires grad (the op is not in GRADIENT_IMPLEMENTED_FOR_COMPLEX), simulated here.
# - soft_margin_loss is 2.x's log1p(exp(-x t)); 1.13 has no complex log1p, so its values come from log(1 + exp(-x t))
#   (equal to rounding).
# - Where PyTorch's refusal comes from an op inside the loss (clamp_min in hinge_embedding / margin_ranking /
#   cosine_embedding, log_sigmoid in multilabel_soft_margin, log_softmax in cross_entropy), Ember's message names the
#   loss first ("hinge_embedding_loss: clamp is not supported for complex types"): NAMED below.
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from refcases import cseq, seq, write_cases  # noqa: E402

C64 = torch.complex64
C128 = torch.complex128
L = torch.int64
CASES = []


def case(name, inputs, fn):
    CASES.append((name, inputs, fn))


def pm1(shape):
    """A target of +1 and -1."""
    return torch.where(seq(shape) >= 0, 1.0, -1.0).to(torch.float64)


def no_complex_grad(op, out, *inputs):
    """2.x's throw_error_for_complex_autograd: a complex output of an op without a complex derivative."""
    if out.is_complex() and torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs):
        raise RuntimeError(op + " does not support automatic differentiation for outputs with complex dtype.")
    return out


def bce_logits_2x(x, t, weight=None, pos_weight=None):
    """PyTorch 2.x's binary_cross_entropy_with_logits (mean)."""
    with torch.no_grad():
        ls = F.logsigmoid(x)
        if pos_weight is not None:
            ls.mul_((pos_weight - 1).mul(t).add_(1))
        loss = (1 - t).mul_(x).sub_(ls)
        if weight is not None:
            loss.mul_(weight)
    return no_complex_grad("binary_cross_entropy_with_logits", loss.mean(), x, t)


def soft_margin_2x(x, t):
    out = torch.log(1 + torch.exp(-x.detach() * t.detach())).mean()
    return no_complex_grad("soft_margin_loss", out, x)


# ---------------------------------------------------------------- item 1: losses
Z = cseq((2, 3))
Z2 = cseq((2, 3), shift=3) * 0.5
R = seq((2, 3), shift=2)
IDX = torch.tensor([0, 2])
case("l1_loss complex complex", [Z, Z2], lambda x: F.l1_loss(x[0], x[1]))
case("l1_loss complex real sum", [Z, R], lambda x: F.l1_loss(x[0], x[1], reduction="sum"))
case("l1_loss complex64 none", [cseq((4,), C64), cseq((4,), C64, shift=5)], lambda x: F.l1_loss(x[0], x[1], reduction="none"))
case("mse_loss complex", [Z, Z2], lambda x: F.mse_loss(x[0], x[1]))
case("mse_loss real complex target", [R, Z2], lambda x: F.mse_loss(x[0], x[1]))
case("smooth_l1_loss complex", [Z, R], lambda x: F.smooth_l1_loss(x[0], x[1]))
case("huber_loss complex", [Z, Z2], lambda x: F.huber_loss(x[0], x[1]))
case("huber_loss real complex target", [R, Z2], lambda x: F.huber_loss(x[0], x[1]))
case("soft_margin_loss complex values", [Z, Z2], lambda x: soft_margin_2x(x[0].detach(), x[1].detach()))
case("soft_margin_loss complex real target values", [Z, pm1((2, 3))], lambda x: soft_margin_2x(x[0].detach(), x[1]))
case("soft_margin_loss complex64 values", [cseq((5,), C64)], lambda x: soft_margin_2x(x[0].detach(), torch.ones(5)))
case("soft_margin_loss complex requires grad", [Z, pm1((2, 3))], lambda x: soft_margin_2x(x[0], x[1]))
case("soft_margin_loss real complex target", [R, Z2], lambda x: F.soft_margin_loss(x[0].detach(), x[1].detach()))
case("binary_cross_entropy complex", [Z, Z2], lambda x: F.binary_cross_entropy(x[0], x[1]))
case("binary_cross_entropy_with_logits complex", [Z, R], lambda x: bce_logits_2x(x[0], x[1]))
case("binary_cross_entropy_with_logits complex target values", [R, Z2],
     lambda x: bce_logits_2x(x[0].detach(), x[1].detach()))
case("binary_cross_entropy_with_logits complex target weight values", [R, Z2, seq((3,), shift=4).abs()],
     lambda x: bce_logits_2x(x[0].detach(), x[1].detach(), weight=x[2].detach()))
case("binary_cross_entropy_with_logits complex target requires grad", [R, Z2], lambda x: bce_logits_2x(x[0], x[1].detach()))
case("binary_cross_entropy_with_logits complex target pos_weight", [R, Z2, seq((3,), shift=4).abs()],
     lambda x: bce_logits_2x(x[0].detach(), x[1].detach(), pos_weight=x[2].detach()))
case("binary_cross_entropy_with_logits complex weight", [R, seq((2, 3), shift=6), Z2],
     lambda x: bce_logits_2x(x[0].detach(), x[1].detach(), weight=x[2].detach()))
case("cross_entropy complex", [Z], lambda x: F.cross_entropy(x[0], IDX))
case("cross_entropy complex 3-d", [cseq((2, 3, 4))], lambda x: F.cross_entropy(x[0], torch.zeros(2, 4, dtype=L)))
case("cross_entropy real complex probabilities", [R, Z2], lambda x: F.cross_entropy(x[0], x[1]))
case("nll_loss complex", [Z], lambda x: F.nll_loss(x[0], IDX))
case("kl_div complex", [Z, Z2], lambda x: F.kl_div(x[0], x[1], reduction="batchmean"))
case("kl_div real complex target", [R, Z2], lambda x: F.kl_div(x[0], x[1], reduction="batchmean"))
case("poisson_nll_loss complex", [Z, Z2], lambda x: F.poisson_nll_loss(x[0], x[1]))
case("poisson_nll_loss complex not log_input", [Z, R], lambda x: F.poisson_nll_loss(x[0], x[1], log_input=False))
case("gaussian_nll_loss complex", [Z, Z2, seq((2, 3)).abs() + 0.5], lambda x: F.gaussian_nll_loss(x[0], x[1], x[2]))
case("hinge_embedding_loss complex", [Z, pm1((2, 3))], lambda x: F.hinge_embedding_loss(x[0], x[1]))
case("hinge_embedding_loss real complex target", [R, Z2], lambda x: F.hinge_embedding_loss(x[0], x[1]))
case("margin_ranking_loss complex", [Z, Z2, pm1((2, 3))], lambda x: F.margin_ranking_loss(x[0], x[1], x[2]))
case("cosine_embedding_loss complex", [Z, Z2, torch.tensor([1.0, -1.0], dtype=torch.float64)],
     lambda x: F.cosine_embedding_loss(x[0], x[1], x[2]))
case("triplet_margin_loss complex", [Z, Z2, cseq((2, 3), shift=7)], lambda x: F.triplet_margin_loss(x[0], x[1], x[2]))
case("multi_margin_loss complex", [Z], lambda x: F.multi_margin_loss(x[0], IDX))
case("multilabel_margin_loss complex", [Z], lambda x: F.multilabel_margin_loss(x[0], torch.tensor([[0, 2, -1], [1, -1, 0]])))
case("multilabel_soft_margin_loss complex", [Z, R], lambda x: F.multilabel_soft_margin_loss(x[0], x[1]))
case("multilabel_soft_margin_loss real complex target", [R, Z2], lambda x: F.multilabel_soft_margin_loss(x[0], x[1]))
case("ctc_loss complex", [cseq((5, 2, 4))],
     lambda x: F.ctc_loss(x[0], torch.tensor([[1, 2], [1, 1]]), torch.tensor([5, 5]), torch.tensor([2, 2])))

# ---------------------------------------------------------------- item 2: optimizer load_state_dict
# load_state_dict's cast (1.13's and 2.x's _process_value_according_to_param_policy alike, non-fused): 'step' as saved,
# every other state tensor to the parameter's device, and to its dtype only when the parameter is floating: a complex
# parameter keeps a complex128 state saved from a complex128 twin; a float32 parameter takes float64 state as float32.
# (No 2.x difference for these non-fused optimizers.)
# Two steps of an optimizer over complex128 / float64 twins, their state loaded into complex64 / float32 parameters (the
# case's output is the named tensor after the load, or after one more step there). SGD with momentum steps after the
# load; Adam only loads (1.13's param.addcdiv_ of a complex64 parameter by its complex128 moments fails an internal
# assert, "needs_dynamic_casting", so no step after it is compared).
def round_trip(kind, what, step_after):
    def make(ps):
        if kind == "sgd":
            return torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05)
        return torch.optim.Adam(ps, lr=0.1, weight_decay=0.05)

    def run(x):
        twins = [x[0].detach().clone().requires_grad_(), x[1].detach().clone().requires_grad_()]
        opt = make(twins)
        for k in range(2):
            twins[0].grad = x[2].detach() * (k + 1)
            twins[1].grad = x[3].detach() * (k + 1)
            opt.step()
        saved = opt.state_dict()
        ps = [twins[0].detach().to(C64).requires_grad_(), twins[1].detach().float().requires_grad_()]
        opt2 = make(ps)
        opt2.load_state_dict(saved)
        if step_after:
            ps[0].grad = x[2].detach().to(C64) * 3
            ps[1].grad = x[3].detach().float() * 3
            opt2.step()
        i = 0 if what.startswith("complex") else 1
        return ps[i].detach() if what.endswith("param") else opt2.state[ps[i]][what.split(" ")[1]]
    return run


OPT_IN = [cseq((3,)), seq((3,), shift=4), cseq((3,), shift=9) * 0.5, seq((3,), shift=11)]
for what in ["complex param", "complex momentum_buffer", "real param", "real momentum_buffer"]:
    case("sgd load_state_dict step " + what, OPT_IN, round_trip("sgd", what, True))
for what in ["complex exp_avg", "complex exp_avg_sq", "real exp_avg", "real exp_avg_sq"]:
    case("adam load_state_dict " + what, OPT_IN, round_trip("adam", what, False))

# ---------------------------------------------------------------- item 3: products of a complex and a real operand
# PyTorch 2.x promotes in none of them: einsum (Linear.cpp) reduces to bmm of the operands as they are (so a contraction
# is bmm's refusal; a product without a summed dimension is mul, which promotes), tensordot checks "both inputs should
# have same dtype" (and inner, which is tensordot), mm's meta function "expected m1 and m2 to have the same dtype, but
# got: ..." (1.13: "expected scalar type ..."): MESSAGES_2X.
CR = cseq((2, 3), C64)
RR = seq((3, 4), torch.float32, shift=3)
C1 = cseq((3,), C64, shift=2)
R1 = seq((3,), torch.float32, shift=5)
case("mm complex real", [CR, RR], lambda x: torch.mm(x[0], x[1]))
case("mm real complex", [RR.T.contiguous(), CR.T.contiguous()], lambda x: torch.mm(x[0], x[1]))
case("mm complex128 real", [cseq((2, 3)), RR], lambda x: torch.mm(x[0], x[1]))
case("matmul complex real", [CR, RR], lambda x: torch.matmul(x[0], x[1]))
case("matmul vector matrix", [R1, CR.T.contiguous()], lambda x: torch.matmul(x[0], x[1]))
case("matmul matrix vector", [CR, R1], lambda x: torch.matmul(x[0], x[1]))
case("matmul vectors", [C1, R1], lambda x: torch.matmul(x[0], x[1]))
case("matmul batched", [CR[None], RR[None]], lambda x: torch.matmul(x[0], x[1]))
case("bmm complex real", [CR[None], RR[None]], lambda x: torch.bmm(x[0], x[1]))
case("mv complex real", [CR, R1], lambda x: torch.mv(x[0], x[1]))
case("dot complex real", [C1, R1], lambda x: torch.dot(x[0], x[1]))
case("tensordot complex real", [CR, RR], lambda x: torch.tensordot(x[0], x[1], dims=1))
case("inner complex real", [C1, R1], lambda x: torch.inner(x[0], x[1]))
case("einsum contraction complex real", [CR, RR], lambda x: torch.einsum("ij,jk->ik", x[0], x[1]))
case("einsum three operands", [CR, RR, seq((4,), torch.float32)], lambda x: torch.einsum("ij,jk,k->i", x[0], x[1], x[2]))
case("einsum elementwise complex real", [C1, R1], lambda x: torch.einsum("i,i->i", x[0], x[1]))
case("einsum outer complex real", [C1, seq((2,), torch.float32)], lambda x: torch.einsum("i,j->ij", x[0], x[1]))
case("einsum broadcast product complex real", [CR, R1], lambda x: torch.einsum("ij,j->ij", x[0], x[1]))
case("outer complex real", [C1, R1], lambda x: torch.outer(x[0], x[1]))
case("addmm complex real", [torch.zeros(2, 4), CR, RR], lambda x: torch.addmm(x[0], x[1], x[2]))

MESSAGES_2X = {
    "mm complex real": "error RuntimeError expected m1 and m2 to have the same dtype, but got: c10::complex<float> != float",
    "mm real complex": "error RuntimeError expected m1 and m2 to have the same dtype, but got: float != c10::complex<float>",
    "mm complex128 real": "error RuntimeError expected m1 and m2 to have the same dtype, but got: c10::complex<double> != float",
    "matmul complex real": "error RuntimeError expected m1 and m2 to have the same dtype, but got: c10::complex<float> != float",
    "matmul vector matrix":
        "error RuntimeError expected m1 and m2 to have the same dtype, but got: float != c10::complex<float>",
    "tensordot complex real": "error RuntimeError both inputs should have same dtype",
    "inner complex real": "error RuntimeError both inputs should have same dtype",
    "addmm complex real": "error RuntimeError mat1 and mat2 must have the same dtype, but got ComplexFloat and Float",
}

# ---------------------------------------------------------------- item 4: complex values written into real tensors
# 2.x's copy_impl: into bool the c10 cast, true where either part is non-zero (1.13 took the real part: computed here as
# 2.x's, (re != 0) | (im != 0)), without the warning; into another real type the real parts, with the warning
# "Casting complex values to real discards the imaginary part" (ComplexGapsTest checks the warning). fill_ with a complex
# value is fill_(value.item()): the checked conversion of the complex Scalar refuses a non-zero imaginary part for a real
# type and gives bool its truth (2.x's cast: fill_ of 2j into bool is True, 1.13's False).
ZC = torch.tensor([1 + 2j, 0j, 2j, -0.5 + 0j, 0.25 - 1j], dtype=C64)
M = torch.tensor([True, False, True, False, False])


def truth(z):
    return (z.real != 0) | (z.imag != 0)


case("copy_ complex into bool", [ZC], lambda x: truth(x[0].detach()))
case("copy_ complex into float32", [ZC], lambda x: torch.zeros(5).copy_(x[0].detach()))
case("copy_ complex128 into float64 broadcast", [cseq((3,))], lambda x: torch.zeros(2, 3, dtype=torch.float64).copy_(x[0].detach()))
case("copy_ complex into int64", [ZC * 3], lambda x: torch.zeros(5, dtype=L).copy_(x[0].detach()))
case("copy_ complex into float16", [ZC], lambda x: torch.zeros(5, dtype=torch.float16).copy_(x[0].detach()))
case("fill_ complex into float32", [torch.tensor(1 + 2j, dtype=C64)], lambda x: torch.zeros(3).fill_(x[0].detach()))
case("fill_ complex zero imaginary into float32", [torch.tensor(1.5 + 0j, dtype=C64)],
     lambda x: torch.zeros(3).fill_(x[0].detach()))
case("fill_ complex into int64", [torch.tensor(1 + 2j, dtype=C64)], lambda x: torch.zeros(3, dtype=L).fill_(x[0].detach()))
case("fill_ complex into bool", [torch.tensor(2j, dtype=C64)], lambda x: truth(x[0].detach()).expand(3))
case("index_put_ complex into float32", [ZC], lambda x: torch.zeros(5).index_put_((torch.tensor([0, 2]),), x[0].detach()[:2]))
case("index_put_ complex accumulate into float32", [ZC],
     lambda x: torch.zeros(5).index_put_((torch.tensor([0, 2]),), x[0].detach()[:2], accumulate=True))
case("index_put_ complex bool mask into float32", [ZC], lambda x: torch.zeros(5).index_put_((M,), x[0].detach()[:2]))
case("masked_fill_ complex into float32", [torch.tensor(1 + 2j, dtype=C64)],
     lambda x: torch.zeros(5).masked_fill_(M, x[0].detach()))
case("index_fill_ complex into float32", [torch.tensor(1 + 2j, dtype=C64)],
     lambda x: torch.zeros(5).index_fill_(0, torch.tensor([1]), x[0].detach()))
case("index_fill_ complex zero imaginary into float32", [torch.tensor(1 + 0j, dtype=C64)],
     lambda x: torch.zeros(5).index_fill_(0, torch.tensor([1]), x[0].detach()))
case("index_copy_ complex into float32", [ZC], lambda x: torch.zeros(5).index_copy_(0, torch.tensor([1, 3]), x[0].detach()[:2]))
case("scatter_ complex into float32", [ZC], lambda x: torch.zeros(5).scatter_(0, torch.tensor([1, 3]), x[0].detach()[:2]))
case("masked_scatter_ complex into float32", [ZC], lambda x: torch.zeros(5).masked_scatter_(M, x[0].detach()))
case("put_ complex into float32", [ZC], lambda x: torch.zeros(5).put_(torch.tensor([1]), x[0].detach()[:1]))

# ---------------------------------------------------------------- item 7: conv_transpose of complex tensors
# 2.x's conv_transpose1d/2d/3d (Convolution.cpp) call complex_convolution for a complex input, as conv1d/2d/3d do:
# a = conv(xr, wr, br), b = conv(xi, wi), c = conv(xr + xi, wr + wi, br + bi), out = a - b + i (c - a - b) (node
# AddBackward0); 1.13 refuses, so the cases compute that formula with 1.13's real conv_transpose (its gradients too).
def complex_conv_transpose(fn, x, w, bias=None, **kw):
    xr, xi, wr, wi = x.real, x.imag, w.real, w.imag
    if bias is None:
        a = fn(xr, wr, None, **kw)
        b = fn(xi, wi, None, **kw)
        c = fn(xr + xi, wr + wi, None, **kw)
    else:
        a = fn(xr, wr, bias.real, **kw)
        b = fn(xi, wi, None, **kw)
        c = fn(xr + xi, wr + wi, bias.real + bias.imag, **kw)
    return torch.complex(a - b, c - a - b)


case("conv_transpose1d complex", [cseq((2, 2, 5)), cseq((2, 3, 3), shift=3), cseq((3,), shift=6)],
     lambda x: complex_conv_transpose(F.conv_transpose1d, x[0], x[1], x[2], stride=2, padding=1, output_padding=1))
case("conv_transpose2d complex groups dilation", [cseq((1, 4, 3, 4)), cseq((4, 1, 2, 3), shift=3)],
     lambda x: complex_conv_transpose(F.conv_transpose2d, x[0], x[1], None, groups=2, dilation=(2, 1), padding=(1, 0)))
case("conv_transpose2d complex64", [cseq((2, 2, 3, 3), C64), cseq((2, 2, 2, 2), C64, shift=3), cseq((2,), C64, shift=5)],
     lambda x: complex_conv_transpose(F.conv_transpose2d, x[0], x[1], x[2], stride=2))
case("conv_transpose3d complex", [cseq((1, 2, 2, 3, 2)), cseq((2, 2, 2, 2, 2), shift=3)],
     lambda x: complex_conv_transpose(F.conv_transpose3d, x[0], x[1], None))
case("conv_transpose2d unbatched complex", [cseq((2, 3, 3)), cseq((2, 1, 2, 2), shift=3)],
     lambda x: complex_conv_transpose(F.conv_transpose2d, x[0][None], x[1], None)[0])

NAMED = {"hinge_embedding_loss complex": "hinge_embedding_loss", "margin_ranking_loss complex": "margin_ranking_loss",
         "cosine_embedding_loss complex": "cosine_embedding_loss",
         "multilabel_soft_margin_loss complex": "multilabel_soft_margin_loss",
         "binary_cross_entropy_with_logits complex": "binary_cross_entropy_with_logits",
         "cross_entropy complex": "cross_entropy", "cross_entropy complex 3-d": "cross_entropy"}


# ---------------------------------------------------------------- item 6: cumprod of complex tensors
# Values and gradients (cumprod_backward with the conjugates) as 1.13's, which 2.x's equal; long dimensions, zeros.
def unit_ish(n, dtype=C128, shift=0):
    """Complex values of modulus near 1 (so long running products stay finite)."""
    k = torch.arange(n, dtype=torch.float64) + shift
    return torch.polar(1 + 0.01 * torch.sin(k), 0.3 * torch.cos(0.7 * k)).to(dtype)


ZEROS1 = unit_ish(9)
ZEROS1[3] = 0
ZEROS2 = unit_ish(10, shift=2)
ZEROS2[2] = 0
ZEROS2[6] = 0
case("cumprod long", [unit_ish(300)], lambda x: x[0].cumprod(0))
case("cumprod long complex64", [unit_ish(257, C64)], lambda x: x[0].cumprod(0))
case("cumprod 3-d dim 1", [cseq((2, 7, 3)) * 0.5], lambda x: x[0].cumprod(1))
case("cumprod 3-d dim 0 strided", [cseq((5, 3, 2)).transpose(0, 2) * 0.5], lambda x: x[0].cumprod(-1))
case("cumprod one zero", [ZEROS1], lambda x: x[0].cumprod(0))
case("cumprod two zeros", [ZEROS2], lambda x: x[0].cumprod(0))
case("cumprod rows with zeros", [torch.stack([ZEROS1[:9], ZEROS2[:9], unit_ish(9, shift=5)])], lambda x: x[0].cumprod(1))
case("cumprod length 1", [cseq((3, 1))], lambda x: x[0].cumprod(1))

# ---------------------------------------------------------------- item 8: clamp of complex tensors
# 2.x's TensorCompare.cpp: the meta functions of clamp (Scalar and Tensor bounds), clamp_min and clamp_max (Scalar) refuse
# a complex input, "clamp is not supported for complex types" (NotImplementedError in 2.x, RuntimeError in 1.13: the
# words are the same); clamp_min.Tensor and clamp_max.Tensor check nothing, and clamp.Tensor checks only the input, so a
# complex operand there reaches the CPU kernel of the promoted type (maximum_stub, minimum_stub, clamp_stub), which has
# none for complex types: 1.13's messages, which 2.x's equal.
case("clamp complex", [ZC], lambda x: x[0].clamp(-1, 1))
case("clamp_min complex", [ZC], lambda x: x[0].clamp_min(0.5))
case("clamp_max complex", [ZC], lambda x: x[0].clamp_max(0.5))
case("clamp_ complex", [ZC], lambda x: x[0].detach().clamp_(-1, 1))
case("clamp complex tensor bounds", [ZC, torch.zeros(5), torch.ones(5)], lambda x: x[0].clamp(x[1], x[2]))
case("clamp complex tensor min", [ZC, torch.zeros(5)], lambda x: x[0].clamp(x[1], None))
case("clamp complex tensor max", [ZC, torch.ones(5)], lambda x: x[0].clamp(None, x[1]))
case("clamp_min complex tensor", [ZC, torch.zeros(5)], lambda x: x[0].clamp_min(x[1]))
case("clamp_max complex tensor", [ZC, torch.ones(5)], lambda x: x[0].clamp_max(x[1]))
case("clamp_min complex128 float32 tensor", [ZC.to(C128), torch.zeros(5)], lambda x: x[0].clamp_min(x[1]))
case("clamp_min real complex tensor", [torch.zeros(5), ZC], lambda x: x[0].clamp_min(x[1]))
case("clamp_max float64 complex64 tensor", [torch.zeros(5, dtype=torch.float64), ZC], lambda x: x[0].clamp_max(x[1]))
case("clamp real complex bounds", [torch.zeros(5), ZC, ZC], lambda x: x[0].clamp(x[1], x[2]))
case("clamp real complex min", [torch.zeros(5), ZC], lambda x: x[0].clamp(x[1], None))
case("clamp real complex max", [torch.zeros(5), ZC], lambda x: x[0].clamp(None, x[1]))

# the nodes of 2.x's complex_convolution (a - b + i (c - a - b)) and of its unbatched squeeze(0)
FN_2X = {"conv_transpose1d complex": "AddBackward0", "conv_transpose2d complex groups dilation": "AddBackward0",
         "conv_transpose2d complex64": "AddBackward0", "conv_transpose3d complex": "AddBackward0",
         "conv_transpose2d unbatched complex": "SqueezeBackward1"}


def adjust(name, lines):
    if name in FN_2X:
        lines = [l if not l.startswith("fn ") else "fn " + FN_2X[name] for l in lines]
    if name in MESSAGES_2X:
        assert any(l.startswith("error ") for l in lines), name
        lines = [l if not l.startswith("error ") else MESSAGES_2X[name] for l in lines]
    if name in NAMED:
        err = [l for l in lines if l.startswith("error ")]
        assert len(err) == 1, name
        kind, msg = err[0][len("error "):].split(" ", 1)
        lines = [l if not l.startswith("error ") else "error %s %s: %s" % (kind, NAMED[name], msg) for l in lines]
    return lines


if __name__ == "__main__":
    n = write_cases(os.path.join(HERE, "expected.txt"), CASES, adjust=adjust)
    print("wrote %d cases" % n)
