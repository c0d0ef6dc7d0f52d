# Writes expected.txt for OptimizerBitsTest.java: float32 and float64 optimizer trajectories BIT FOR BIT as PyTorch 2.x's
# CPU optimizers compute them (foreach=False: 2.x's default for CPU parameters; maximize=False).
#   run: cd engine-cpu/src/test/resources/optimbits && /usr/bin/python3 make_expected.py > expected.txt
# PyTorch 1.13 is installed here, so the updates are 2.x's single-tensor functions transcribed in
# ../training/pytorch2_updates.py (checked against 1.13's built-ins where they agree by ../training/make_expected.py),
# plus Adadelta, ASGD and Rprop below (transcribed from 2.x's _single_tensor_* functions). They run on 1.13's kernels, whose rounding is 2.x's for every op they use: 2.x's
# PointwiseOpsKernel.cpp computes addcmul as self + value * t1 * t2 and addcdiv as self + value * t1 / t2, the same
# expressions as 1.13's; add(alpha) is vec::fmadd; lerp is fmadd(weight, end - self, self) (weight below 0.5, else
# fmadd(weight - 1, end - self, end)); mul/div by a number, sqrt, maximum are single IEEE operations; `number / tensor`
# is tensor.reciprocal() * number (torch/_tensor.py __rdiv__, unchanged in 2.x). On x86 the AVX2 and AVX512 kernels are
# compiled with FMA contraction, so addcmul is fma(value * t1, t2, self): this file is written with the AVX2 kernels
# (this build's default; ATEN_CPU_CAPABILITY=avx512 gives the same bytes, checked when it was written); DEFAULT
# (no-FMA) builds round twice, which Ember does not follow.
# The gradient of each step is a function of the parameter, as in training: g = p * 0.5 + r(step, i), r an exact
# quotient of integers rounded to the parameter's type, computed by the same two ops in Java.
# Then the addcmul op itself (the moments' kernel), broadcasting self [3, 8], tensor1 [8], tensor2 [3, 1]: blocks
# "=== addcmul <dtype> <value>" (self's first rows near -value * t1 * t2, so that the rounding shows) with lines "self|t1|t2|out <hex bits...>" (float32, float64, bfloat16; 1.13 has no
# float16 addcmul on the CPU, 2.x's reduced path computes it as bfloat16's).
# Format: "=== <config> <dtype>" then "p <step> <hex bits...>" after every step, and "s <state name> <hex bits...>" after
# the last step (float32 bits as 8 hex digits, float64 as 16).
import math
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "training"))
from pytorch2_updates import *  # noqa: E402,F401,F403

N = 11
STEPS = 12


def adadelta_update(g, p, grad, st):
    # 2.x's _single_tensor_adadelta (foreach=False, differentiable=False)
    lr, rho, eps, wd = g["lr"], g["rho"], g["eps"], g["weight_decay"]
    if len(st) == 0:
        st["step"] = torch.tensor(0.0)
        st["square_avg"] = torch.zeros_like(p)
        st["acc_delta"] = torch.zeros_like(p)
    st["step"] += 1
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    sq, acc = st["square_avg"], st["acc_delta"]
    sq.mul_(rho).addcmul_(grad, grad, value=1 - rho)
    std = sq.add(eps).sqrt_()
    delta = acc.add(eps).sqrt_()
    delta.div_(std).mul_(grad)
    acc.mul_(rho).addcmul_(delta, delta, value=1 - rho)
    p.add_(delta, alpha=-lr)


def asgd_update(g, p, grad, st):
    # 2.x's _single_tensor_asgd (capturable=False): step, eta and mu are 0-dim tensors of the scalar type (float32
    # under the default dtype), eta and mu read back with .item()
    lr, lambd, alpha, t0, wd = g["lr"], g["lambd"], g["alpha"], g["t0"], g["weight_decay"]
    if len(st) == 0:
        st["step"] = torch.zeros((), dtype=torch.float32)
        st["eta"] = torch.as_tensor(lr, dtype=torch.float32).clone().detach()
        st["mu"] = torch.ones((), dtype=torch.float32)
        st["ax"] = torch.zeros_like(p)
    eta, mu, ax = st["eta"], st["mu"], st["ax"]
    st["step"] += 1
    if wd != 0:
        grad = grad.add(p, alpha=wd)
    eta_value = eta.item()
    p.mul_(1 - lambd * eta_value)
    p.add_(grad, alpha=-eta_value)
    if mu.item() != 1:
        ax.add_(p.sub(ax).mul_(mu))
    else:
        ax.copy_(p)
    step = st["step"].item()
    eta.copy_(torch.as_tensor(lr / ((1 + lambd * lr * step) ** alpha)))
    mu.copy_(torch.as_tensor(1 / max(1, step - t0)))


def rprop_update(g, p, grad, st):
    # 2.x's _single_tensor_rprop (capturable=False, differentiable=False)
    lr, (etaminus, etaplus), (smin, smax) = g["lr"], g["etas"], g["step_sizes"]
    if len(st) == 0:
        st["step"] = torch.zeros((), dtype=torch.float32)
        st["prev"] = torch.zeros_like(p)
        st["step_size"] = torch.full_like(grad, lr)
    prev, step_size = st["prev"], st["step_size"]
    st["step"] += 1
    sign = grad.mul(prev).sign()
    sign[sign.gt(0)] = etaplus
    sign[sign.lt(0)] = etaminus
    sign[sign.eq(0)] = 1
    step_size.mul_(sign).clamp_(smin, smax)
    grad = grad.clone(memory_format=torch.preserve_format)
    grad[sign.eq(etaminus)] = 0
    p.addcmul_(grad.sign(), step_size, value=-1)
    prev.copy_(grad)


def adagrad_update_init(g, p, grad, st):
    if len(st) == 0:
        adagrad_init(g, p, st)
    adagrad_update(g, p, grad, st)


def sgd_update_st(g, p, grad, st):
    sgd_update(g, p, grad, st)


# name, update, options (Ember's test builds the same optimizer from the name)
CONFIGS = [
    ("sgd", sgd_update_st, dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)),
    ("sgd_momentum_wd", sgd_update_st, dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01, nesterov=False)),
    ("sgd_nesterov", sgd_update_st, dict(lr=0.05, momentum=0.8, dampening=0.0, weight_decay=0.0, nesterov=True)),
    ("adam", adam_update, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                               decoupled_weight_decay=False)),
    ("adam_wd_amsgrad", adam_update, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05, amsgrad=True,
                                          decoupled_weight_decay=False)),
    ("adam_beta1_0.3", adam_update, dict(lr=0.01, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.0, amsgrad=False,
                                         decoupled_weight_decay=False)),
    ("adamw", adam_update, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=False,
                                decoupled_weight_decay=True)),
    ("adamw_amsgrad", adam_update, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=True,
                                        decoupled_weight_decay=True)),
    ("adamax", adamax_update, dict(lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
    ("adamax_wd", adamax_update, dict(lr=0.01, betas=(0.7, 0.99), eps=1e-8, weight_decay=0.05)),
    ("adagrad", adagrad_update_init, dict(lr=0.1, lr_decay=0.0, eps=1e-10, weight_decay=0.0,
                                          initial_accumulator_value=0.0)),
    ("adagrad_decay_initial_wd", adagrad_update_init, dict(lr=0.1, lr_decay=0.05, eps=1e-6, weight_decay=0.05,
                                                           initial_accumulator_value=0.1)),
    ("rmsprop", rmsprop_update, dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False)),
    ("rmsprop_centered", rmsprop_update, dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.0, momentum=0.0,
                                              centered=True)),
    ("rmsprop_momentum", rmsprop_update, dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.05, momentum=0.5,
                                              centered=False)),
    ("rmsprop_momentum_centered", rmsprop_update, dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.5,
                                                       centered=True)),
    ("nadam", nadam_update, dict(lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=0.004,
                                 decoupled_weight_decay=False)),
    ("nadamw", nadam_update, dict(lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05, momentum_decay=0.004,
                                  decoupled_weight_decay=True)),
    ("radam", radam_update, dict(lr=0.001, betas=(0.9, 0.9), eps=1e-8, weight_decay=0.0,
                                 decoupled_weight_decay=False)),
    ("radam_wd", radam_update, dict(lr=0.001, betas=(0.9, 0.9), eps=1e-8, weight_decay=0.05,
                                    decoupled_weight_decay=False)),
    ("radamw", radam_update, dict(lr=0.001, betas=(0.9, 0.9), eps=1e-8, weight_decay=0.05,
                                  decoupled_weight_decay=True)),
    ("adadelta", adadelta_update, dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0)),
    ("adadelta_wd", adadelta_update, dict(lr=0.5, rho=0.95, eps=1e-6, weight_decay=0.05)),
    ("asgd", asgd_update, dict(lr=0.01, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0)),
    ("asgd_t0_wd", asgd_update, dict(lr=0.05, lambd=0.02, alpha=0.6, t0=3.0, weight_decay=0.05)),
    ("rprop", rprop_update, dict(lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50))),
    ("rprop_narrow", rprop_update, dict(lr=0.05, etas=(0.3, 1.7), step_sizes=(0.01, 0.1))),
]


def bits(t):
    t = t.reshape(-1)
    if t.dtype == torch.bfloat16:
        return " ".join("%04x" % (v & 0xFFFF) for v in t.view(torch.int16).tolist())
    if t.dtype == torch.float32:
        return " ".join("%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in t.tolist())
    return " ".join("%016x" % struct.unpack("<Q", struct.pack("<d", v))[0] for v in t.tolist())


def r(step, i):
    return ((i * 7919 + step * 104729) % 2001 - 1000) / 997.0


def main():
    out = []
    for dtype, dname in ((torch.float32, "float32"), (torch.float64, "float64")):
        for name, update, opts in CONFIGS:
            p = torch.tensor([((i * 37) % 23 - 11) / 8.0 for i in range(N)], dtype=dtype)
            st = {}
            out.append("=== %s %s" % (name, dname))
            for step in range(1, STEPS + 1):
                rr = torch.tensor([r(step, i) for i in range(N)], dtype=dtype)
                grad = p.mul(0.5).add(rr)
                update(opts, p, grad, st)
                out.append("p %d %s" % (step, bits(p)))
            for k in sorted(st):
                v = st[k]
                if isinstance(v, torch.Tensor) and v.dim() == 1:
                    out.append("s %s %s" % (k, bits(v)))
    g = torch.Generator().manual_seed(46)
    for dtype, dname in ((torch.float32, "float32"), (torch.float64, "float64"), (torch.bfloat16, "bfloat16")):
        for value in (0.37, -1.0, 1e-3):
            t1 = torch.randn(8, generator=g, dtype=torch.float64).to(dtype)
            t2 = torch.randn(3, 1, generator=g, dtype=torch.float64).to(dtype)
            # self close to -value * t1 * t2 (rows 0 and 1), so the sum cancels and shows whether the product was
            # rounded before it (row 2: plain values)
            near = (-(t1 * value) * t2).to(torch.float64)
            tiny = torch.randn(3, 8, generator=g, dtype=torch.float64) * near.abs() * (1e-6 if dtype != torch.float64
                                                                                      else 1e-14)
            s = torch.cat([(near + tiny)[:2], torch.randn(1, 8, generator=g, dtype=torch.float64)]).to(dtype)
            out.append("=== addcmul %s %r" % (dname, value))
            for name, t in (("self", s), ("t1", t1), ("t2", t2), ("out", torch.addcmul(s, t1, t2, value=value))):
                out.append("%s %s" % (name, bits(t)))
    # clip_grad_norm_ (2.x: clip_coef = max_norm / (total_norm + 1e-6), Python's number / tensor, so
    # total_norm.add(1e-6).reciprocal() * max_norm; clamped at 1; every gradient mul_ by it), float32 gradients of
    # three parameters; the norm of norms as 1.13 computes it (torch.norm of the stacked 2-norms, which is 2.x's
    # vector_norm of the stacked vector_norms for the 2-norm; the Java test clips with this total through
    # clip_grads_with_norm_, since a float32 norm's last bit is the reduction kernel's, not the clipping's). Blocks "=== clip <max_norm>": "g<i> <bits>" before,
    # "c<i> <bits>" after, "total <bits>".
    for max_norm in (0.5, 1.7, 100.0, 0.3, 0.7, 0.9, 1.1, 1.3, 2.1, 2.5, 3.3, 4.2):
        grads = [torch.randn(n, generator=g, dtype=torch.float64).mul(1.3).to(torch.float32) for n in (3, 5, 2)]
        ps = [torch.zeros(x.shape, requires_grad=True) for x in grads]
        for q, x in zip(ps, grads):
            q.grad = x.clone()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        out.append("=== clip %r" % max_norm)
        for i, x in enumerate(grads):
            out.append("g%d %s" % (i, bits(x)))
        for i, q in enumerate(ps):
            out.append("c%d %s" % (i, bits(q.grad)))
        out.append("total %s" % bits(total.reshape(1)))
    sys.stdout.write("\n".join(out) + "\n")


main()
