# Expected values for LooseEndsTest (session 33): the differences from PyTorch that session 32 listed and left.
# Lines "key value": a tensor line (refcases.fmt_tensor), a text (its newlines escaped as \n), an error's first line, or a
# plain value. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes beside the cases)
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

lines = []
text, tensor, err = key_lines(lines)


# ---- 1. results PyTorch returns as tuples print as tuples (2.x: the same; Tensor[] returns are tuples)
x = torch.arange(5)
m = torch.arange(6).reshape(2, 3)
c = torch.arange(8).reshape(2, 2, 2)
text("tuple.split", repr(x.split(2)))
text("tuple.split1", repr(x.split(5)))
text("tuple.splitSizes", repr(x.split([2, 3])))
text("tuple.chunk", repr(x.chunk(2)))
text("tuple.unbind", repr(x.unbind()))
text("tuple.unbind1", repr(torch.arange(2).reshape(1, 2).unbind(0)))
text("tuple.tensorSplit", repr(x.tensor_split(2)))
text("tuple.tensorSplitIdx", repr(x.tensor_split([1, 4])))
text("tuple.hsplit", repr(m.hsplit(3)))
text("tuple.vsplit", repr(m.vsplit([1])))
text("tuple.dsplit", repr(c.dsplit(2)))
text("tuple.splitWithSizes", repr(x.split_with_sizes([2, 3])))
text("tuple.unsafeSplit", repr(x.unsafe_split(2)))
text("tuple.unsafeChunk", repr(x.unsafe_chunk(2)))
text("tuple.unsafeSplitWithSizes", repr(x.unsafe_split_with_sizes([4, 1])))
text("tuple.meshgrid", repr(torch.meshgrid(x[:2], x[:3], indexing="ij")))
text("tuple.meshgridXy", repr(torch.meshgrid(x[:2], x[:3], indexing="xy")))
text("tuple.broadcast", repr(torch.broadcast_tensors(x, x[:1])))
text("tuple.nonzero", repr(x.nonzero(as_tuple=True)))
text("tuple.where", repr(torch.where(m > 2)))
text("tuple.gradient", repr(torch.gradient(torch.tensor([1.0, 4.0, 9.0]))))
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0], requires_grad=True)
text("tuple.grad", repr(torch.autograd.grad([(a * a).sum()], [a])))
text("tuple.gradUnused", repr(torch.autograd.grad([(a * a).sum()], [a, b], allow_unused=True)))
text("tuple.gradCreate", repr(torch.autograd.grad([(a * a).sum()], [a], create_graph=True)))
# unpad_sequence / unpack_sequence return lists, printed as lists
text("list.unpad", repr(torch.nn.utils.rnn.unpad_sequence(torch.tensor([[1.0, 2.0], [3.0, 0.0]]), torch.tensor([2, 1]))))

# ---- 2. number-first remainder and floor division (Python's 7 % t, 7 // t: torch.remainder(7, t) is the
# remainder.Scalar_Tensor overload, floor_divide wraps the number; neither has a derivative in 2.x's derivatives.yaml)
xi = torch.tensor([3, -3, 2, -2, 5])
xf = torch.tensor([3.0, -3.0, 2.5, -0.0, float("inf"), float("-inf"), float("nan")])
tensor("rem.int", 7 % xi)
tensor("rem.intNeg", -7 % xi)
tensor("fdiv.int", 7 // xi)
tensor("fdiv.intNeg", -7 // xi)
tensor("rem.floatNumIntTensor", 7.5 % xi)
tensor("fdiv.floatNumIntTensor", 7.5 // xi)
tensor("rem.float", 7 % xf)
tensor("fdiv.float", 7 // xf)
tensor("rem.floatNeg", -7.0 % xf)
tensor("fdiv.floatNeg", -7.0 // xf)
tensor("rem.float64", 7 % torch.tensor([2.5, -0.75], dtype=torch.float64))
tensor("rem.int32", 7 % torch.tensor([2, -4], dtype=torch.int32))
tensor("fdiv.int8", -7 // torch.tensor([2, -3], dtype=torch.int8))
tensor("fdiv.uint8", 7 // torch.tensor([2, 3], dtype=torch.uint8))
tensor("rem.bf16", 7 % torch.tensor([2.5, -1.5], dtype=torch.bfloat16))
tensor("fdiv.int32byFloat", 7.25 // torch.tensor([2, -3], dtype=torch.int32))
tensor("rem.boolDivisor", 7 % torch.tensor([True]))
tensor("rem.big", (2 ** 62 + 1) % torch.tensor([2 ** 62, 3]))
tensor("fdiv.big", (2 ** 62 + 1) // torch.tensor([3, -2]))
tensor("rem.empty", 7 % torch.zeros(2, 0, dtype=torch.int64))
err("rem.zero", lambda: 7 % torch.tensor([1, 0]))
err("fdiv.zero", lambda: 7 // torch.tensor([0, 1]))
err("rem.zeroInt32", lambda: torch.remainder(7, torch.tensor([0], dtype=torch.int32)))
xr = torch.tensor([3.0, -2.5, 4.0], requires_grad=True)
y = 7 % xr
text("rem.grad", repr(y))
err("rem.backward", lambda: y.sum().backward())
y = 7 // xr
text("fdiv.grad", repr(y))
err("fdiv.backward", lambda: y.sum().backward())

# ---- 3. int64 values beyond 2^53: Python ints are exact, Python floats convert once (checked). Integers printed
# exactly (tolist), never through a double.
def ints(key, t):
    lines.append(key + " " + str(t.dtype).replace("torch.", "") + " " + repr(t.reshape(-1).tolist()))


big = 2 ** 62 + 1
x = torch.tensor([0, 1])
y = torch.tensor([big, big - 1])
m = torch.tensor([True, False])
idx = torch.tensor([1])
ints("int.add53", x + (2 ** 53 + 1))
ints("int.add", x + big)
ints("int.rsub", big - x)
ints("int.clamp", x.clamp(big, big + 2))
ints("int.clampMax", x.clamp(max=-big))
ints("int.where", torch.where(m, big, x))
ints("int.fillD60", x.clone().fill_(2.0 ** 60))
ints("int.fill2.5", x.clone().fill_(-2.5))
ints("int.fullD60", torch.full((2,), 2.0 ** 60, dtype=torch.int64))
ints("int.fullInt", torch.full((2,), 2 ** 53 + 1))
ints("int.maskedD62", x.masked_fill(m, 2.0 ** 62))
ints("int.indexD62", x.index_fill(0, idx, 2.0 ** 62))
err("int.fillD1e19", lambda: x.clone().fill_(1e19))
err("int.maskedD1e19", lambda: x.masked_fill(m, 1e19))
ints("int.eq", y == big)
ints("int.and", y & big)
ints("int.mulInplace", torch.tensor([1, 2]).mul_(big))
# the overloads that took only a double (a Java long widened to it and lost the low bits)
ints("int.newFull", x.new_full((2,), big))
ints("int.newFullInt32", torch.tensor([0], dtype=torch.int32).new_full((2,), -7))
err("int.newFullInt32Overflow", lambda: torch.tensor([0], dtype=torch.int32).new_full((2,), 2 ** 40))
ints("int.scatter", x.scatter(0, idx, big))
ints("int.scatter_", x.clone().scatter_(0, idx, -big))
z = x.clone()
z[idx] = big
ints("int.indexPut_", z)
ints("int.indexPutAcc", x.index_put((idx,), torch.tensor(big), accumulate=True))
ints("int.fillDiagonal", torch.zeros(3, 2, dtype=torch.int64).fill_diagonal_(big, wrap=True))
ints("int.greater", y.greater(big - 1))
ints("int.greaterEqual", y.greater_equal(big))
ints("int.less", y.less(big))
ints("int.lessEqual", y.less_equal(big - 1))
ints("int.notEqual", y.not_equal(big))
ints("int.eq_", y.clone().eq_(big))
ints("int.ge_", y.clone().ge_(big))
ints("int.lt_", y.clone().lt_(big))
ints("int.subtract", x.subtract(big))
ints("int.subtractSmall", x.subtract(2))
ints("int.multiply", torch.tensor([1, 3]).multiply(big))
ints("int.clip_", x.clone().clip_(big, big + 2))

# ---- 4. schedulers resumed by last_epoch: a first scheduler runs 4 epochs (leaving initial_lr in the groups), a
# second one is made with last_epoch=4 over the same optimizer and stepped on; lines "key lr lr ..." per epoch (both
# groups), the resumed one's get_last_lr() first. 2.x's initial step (_initial_mode) keeps the rates of ExponentialLR,
# CosineAnnealingLR and MultiplicativeLR where 1.13's moved them one step: for those the generator puts the rates back
# after construction (2.x's result; the later steps are the same chainable formulas in both versions).
from torch.optim import lr_scheduler as L  # noqa: E402


def sched_case(key, make, make_resumed, keep_initial=False, epochs=4, more=6):
    w = torch.zeros(1, requires_grad=True)
    v = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([{"params": [w], "lr": 0.1}, {"params": [v], "lr": 0.05}], lr=0.1)
    s = make(opt)
    for _ in range(epochs):
        opt.step()
        s.step()
    before = [g["lr"] for g in opt.param_groups]
    r = make_resumed(opt, epochs)
    if keep_initial:
        for g, lr in zip(opt.param_groups, before):
            g["lr"] = lr
        r._last_lr = list(before)
    seq = [list(r.get_last_lr())]
    for _ in range(more):
        opt.step()
        r.step()
        seq.append(list(r.get_last_lr()))
    lines.append(key + " " + " ".join(repr(x) for lrs in seq for x in lrs))


import warnings  # noqa: E402

warnings.filterwarnings("ignore")
sched_case("sched.step", lambda o: L.StepLR(o, 3, 0.5), lambda o, e: L.StepLR(o, 3, 0.5, last_epoch=e))
sched_case("sched.step5", lambda o: L.StepLR(o, 5, 0.5), lambda o, e: L.StepLR(o, 5, 0.5, last_epoch=e))
sched_case("sched.multiStep", lambda o: L.MultiStepLR(o, [2, 5, 5, 8], 0.5),
           lambda o, e: L.MultiStepLR(o, [2, 5, 5, 8], 0.5, last_epoch=e))
sched_case("sched.exponential", lambda o: L.ExponentialLR(o, 0.9), lambda o, e: L.ExponentialLR(o, 0.9, last_epoch=e),
           keep_initial=True)
sched_case("sched.cosine", lambda o: L.CosineAnnealingLR(o, 7, 0.01),
           lambda o, e: L.CosineAnnealingLR(o, 7, 0.01, last_epoch=e), keep_initial=True, more=12)
sched_case("sched.lambda", lambda o: L.LambdaLR(o, lambda ep: 1.0 / (ep + 1)),
           lambda o, e: L.LambdaLR(o, lambda ep: 1.0 / (ep + 1), last_epoch=e))
sched_case("sched.multiplicative", lambda o: L.MultiplicativeLR(o, lambda ep: 0.8),
           lambda o, e: L.MultiplicativeLR(o, lambda ep: 0.8, last_epoch=e), keep_initial=True)
# resuming where no scheduler left initial_lr
w = torch.zeros(1, requires_grad=True)
v = torch.zeros(1, requires_grad=True)
err("sched.noInitialLr", lambda: L.StepLR(torch.optim.SGD([w], lr=0.1), 3, last_epoch=2))
opt = torch.optim.SGD([{"params": [w]}, {"params": [v]}], lr=0.1)
opt.param_groups[0]["initial_lr"] = 0.1
err("sched.noInitialLr1", lambda: L.ExponentialLR(opt, 0.9, last_epoch=2))
lines.append("sched.noInitialLr1.lrs " + repr([g["lr"] for g in opt.param_groups]) + " " + repr(
    ["initial_lr" in g for g in opt.param_groups]))

# ---- 5. NAdam's mu_product after load_state_dict into a float64 (or bfloat16) parameter under the float32 default:
# load_state_dict casts every state tensor but 'step' to the parameter's type (_process_value_according_to_param_policy,
# the same in 1.13 and 2.x), so mu_product becomes float64 and its later products are double. 1.13's NAdam update itself
# differs from 2.x's (1.13: mu_product_next = mu_product * mu * mu_next), so the update is 2.x's _single_tensor_nadam,
# written out here with the same tensor ops.
def nadam_step(p, grad, st, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, momentum_decay=4e-3):
    st["step"] += 1
    step = st["step"].item()
    bias_correction2 = 1 - beta2 ** step
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    st["mu_product"] *= mu
    st["exp_avg"].lerp_(grad, 1 - beta1)
    st["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = st["exp_avg_sq"].div(bias_correction2).sqrt()
    mu_product_next = st["mu_product"].item() * mu_next
    denom.add_(eps)
    p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - st["mu_product"].item()))
    p.addcdiv_(st["exp_avg"], denom, value=-lr * mu_next / (1.0 - mu_product_next))


def nadam_run(dtype):
    p = torch.tensor([1.0, -2.0, 3.0], dtype=dtype)
    st = {"step": torch.tensor(0.0), "mu_product": torch.tensor(1.0), "exp_avg": torch.zeros_like(p),
          "exp_avg_sq": torch.zeros_like(p)}
    grads = [torch.tensor([0.5, -1.5, 2.0], dtype=dtype) * (k + 1) for k in range(6)]
    for k in range(3):
        nadam_step(p, grads[k], st)
    lines.append("nadam.%s.mu3 %s %r" % (str(dtype)[6:], str(st["mu_product"].dtype)[6:], st["mu_product"].item()))
    # state_dict -> load_state_dict into an optimizer over the same parameter: mu_product cast to the parameter's type
    st = {k: (v.clone() if k == "step" else v.to(p.dtype).clone()) for k, v in st.items()}
    for k in range(3, 6):
        nadam_step(p, grads[k], st)
    lines.append("nadam.%s.mu6 %s %r" % (str(dtype)[6:], str(st["mu_product"].dtype)[6:], st["mu_product"].item()))
    lines.append("nadam.%s.step6 %s %r" % (str(dtype)[6:], str(st["step"].dtype)[6:], st["step"].item()))
    tensor("nadam.%s.p6" % str(dtype)[6:], p)


nadam_run(torch.float64)
nadam_run(torch.bfloat16)

# ---- 6. complex divided by a real tensor (or a Python float), and real by complex: PyTorch promotes the real operand
# to (x, +0) and divides as complex, by c10::complex's operator/ (2.x: numpy's scaled Smith algorithm; 1.13's divided by
# c^2 + d^2), not part by part. The quotients are 2.x's scalar operator/ written out here in the element type (numpy
# float32 for complex64, Python floats for complex128); PyTorch's CPU kernel takes that scalar path for tensors shorter
# than two vector registers.
import numpy as np  # noqa: E402


def div_2x_typed(x, y, real):
    out = []
    with np.errstate(all="ignore"):
        for p, q in zip(x.reshape(-1).tolist(), y.reshape(-1).tolist()):
            p, q = complex(p), complex(q)
            a, b, c, d = real(p.real), real(p.imag), real(q.real), real(q.imag)
            if abs(c) >= abs(d):
                if c == 0 and d == 0:
                    out.append((a / abs(c), b / abs(d)))
                    continue
                rat = d / c
                scl = real(1.0) / (c + d * rat)
                out.append(((a + b * rat) * scl, (b - a * rat) * scl))
            else:
                rat = c / d
                scl = real(1.0) / (d + c * rat)
                out.append(((a * rat + b) * scl, (b * rat - a) * scl))
    rt = torch.float32 if real is np.float32 else torch.float64
    parts = torch.tensor([[float(u), float(v)] for u, v in out], dtype=rt)
    return torch.view_as_complex(parts).reshape(x.shape)


inf = float("inf")
nan = float("nan")
for ctype, rtype, real, tiny in ((torch.complex64, torch.float32, np.float32, 1e-40),
                                 (torch.complex128, torch.float64, np.float64, 1e-310)):
    tag = str(ctype)[6:]
    z = torch.tensor([1 + 2j, complex(inf, 1), complex(1, inf), complex(nan, 1), 0j, complex(-0.0, -0.0), 3 + 7j,
                      complex(tiny, -tiny), complex(2, -3), -1.5 + 0.25j], dtype=ctype)
    r = torch.tensor([3.0, 2.0, 2.0, 2.0, tiny, -0.0, 7.0, tiny, inf, -0.0], dtype=rtype)
    tensor("cdiv.%s.byReal" % tag, div_2x_typed(z, r.to(ctype), real))
    tensor("cdiv.%s.byNumber" % tag, div_2x_typed(z, torch.full(z.shape, 2.0 + 0j, dtype=ctype), real))
    tensor("cdiv.%s.byNegZero" % tag, div_2x_typed(z, torch.full(z.shape, complex(-0.0, 0.0), dtype=ctype), real))
    w = torch.tensor([3.0, -0.0, 1.0, inf, tiny, 0.0, 2.0, 5.0, -1.0, 1.0], dtype=rtype)
    tensor("cdiv.%s.realByComplex" % tag, div_2x_typed(w.to(ctype), z, real))

# ---- 7. ao.nn.qat.Conv2d.from_float of a Conv2d with a padding string (2.x and 1.13 build the QAT layer with the same
# padding, 'same' included, and print it as padding=same), and a per-channel qscheme: FixedQParamsFakeQuantize
# refuses it (its assertion), FixedQParamsObserver takes it unchecked (2.x's __init__ has no check either).
import torch.ao.nn.qat as nnqat  # noqa: E402
from torch.ao.quantization import FixedQParamsFakeQuantize, FixedQParamsObserver, get_default_qat_qconfig  # noqa: E402

torch.manual_seed(5)
for name, kernel, padding in (("same3", 3, "same"), ("same4", 4, "same"), ("valid", 3, "valid")):
    conv = torch.nn.Conv2d(2, 3, kernel, padding=padding)
    conv.qconfig = get_default_qat_qconfig("x86")
    x = torch.randn(1, 2, 5, 6)
    tensor("qat.%s.weight" % name, conv.weight)
    tensor("qat.%s.bias" % name, conv.bias)
    tensor("qat.%s.x" % name, x)
    q = nnqat.Conv2d.from_float(conv)
    tensor("qat.%s.out" % name, q(x))
    text("qat.%s.repr" % name, repr(q))
err("fixedqparams.perChannel", lambda: FixedQParamsFakeQuantize(
    observer=FixedQParamsObserver.with_args(scale=1 / 256.0, zero_point=0, qscheme=torch.per_channel_affine)))
o = FixedQParamsObserver(scale=1 / 256.0, zero_point=0, qscheme=torch.per_channel_symmetric)
text("fixedqparams.observerPerChannel", repr(o) + " " + str(o.qscheme) + " " + repr(o.calculate_qparams()))

# ---- 1b. GradScaler.state_dict() prints as a Python dict. 1.13's GradScaler needs CUDA to be enabled, so the dict is
# built here as 2.x's state_dict builds it (scale: get_scale(), a float; growth_factor, backoff_factor: floats;
# growth_interval, _growth_tracker: ints) and printed by Python; a disabled scaler's is {} (1.13 prints that itself).
text("scaler.default", repr({"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
                             "_growth_tracker": 0}))
text("scaler.custom", repr({"scale": 1024.0, "growth_factor": 3.0, "backoff_factor": 0.25, "growth_interval": 7,
                            "_growth_tracker": 0}))
text("scaler.disabled", repr(torch.cuda.amp.GradScaler(enabled=False).state_dict()))

# ---- end
print("\n".join(lines))
