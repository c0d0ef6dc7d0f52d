# Expected values for LooseEnds2Test (session 34): schedulers resumed by last_epoch (the six session 33 left), scheduler
# state dicts printed as Python dicts, create_graph node names and second derivatives of gelu, softplus, elu,
# log_softmax and softmax, and named_children/named_modules/named_parameters of shared modules.
# Lines "key value": a tensor line (refcases.fmt_tensor), a text (its newlines escaped as \n), an error's first line, or
# a plain value. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes beside the cases)
import math
import os
import sys
import warnings

import torch
from torch.optim import lr_scheduler as L

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import fmt_tensor  # noqa: E402

warnings.filterwarnings("ignore")
lines = []


def text(key, s):
    lines.append(key + " " + s.replace("\\", "\\\\").replace("\n", "\\n"))


def tensor(key, t):
    lines.append(key + " " + fmt_tensor(t))


def err(key, f):
    try:
        f()
        lines.append(key + " ! no error")
    except Exception as e:  # noqa: BLE001
        lines.append(key + " " + type(e).__name__ + ": " + str(e).split("\n")[0])


# ---- 1. schedulers resumed by last_epoch: a first scheduler runs `epochs` steps over a two-group SGD (leaving
# initial_lr, and OneCycleLR's max_lr/min_lr/momenta, in the groups), a second one of the same kind is made with
# last_epoch=epochs over the same optimizer and stepped `more` times; the line holds get_last_lr() (both groups) after
# construction and after each step, then, with momentum=True, the groups' momenta the same way ("|" between the two).
# Where PyTorch 2.x differs from 1.13, the generator turns 1.13's result into 2.x's after construction (the later steps
# are the same code in both):
#   keep_initial: 2.x's LinearLR and PolynomialLR initial step (_is_initial) keeps the groups' rates; 1.13's applied the
#     next epoch's factor. The rates are put back (ConstantLR has no _is_initial case in 2.x: nothing to do).
#   CyclicLR with cycle_momentum: 2.x takes base_momentums from the base_momentum argument; 1.13 read the groups'
#     current momenta when resuming. The generator sets the groups' momenta to base_momentum before construction, so
#     1.13 reads what 2.x takes (the initial step overwrites them).
#   warm_restarts: 2.x's step reduces T_cur = last_epoch + 1 modulo T_i (`self.T_cur % self.T_i`); 1.13 subtracted
#     T_i once. The generator sets T_cur and T_i as 2.x's step leaves them and the rates from get_lr (2.x's same
#     closed form).
def two_groups(momentum=None):
    w = torch.zeros(1, requires_grad=True)
    v = torch.zeros(1, requires_grad=True)
    kw = {} if momentum is None else {"momentum": momentum}
    return torch.optim.SGD([{"params": [w], "lr": 0.1}, {"params": [v], "lr": 0.05}], lr=0.1, **kw)


def sched_case(key, make, make_resumed, epochs=4, more=20, keep_initial=False, momentum=None, before_resume=None,
               after_resume=None):
    opt = two_groups(momentum)
    s = make(opt)
    for _ in range(epochs):
        opt.step()
        s.step()
    before = [g["lr"] for g in opt.param_groups]
    if before_resume:
        before_resume(opt)
    r = make_resumed(opt, epochs)
    if keep_initial:
        for g, lr in zip(opt.param_groups, before):
            g["lr"] = lr
        r._last_lr = list(before)
    if after_resume:
        after_resume(r, epochs)
    seq = [list(r.get_last_lr())]
    mom = [[g["momentum"] for g in opt.param_groups]] if momentum is not None else []
    for _ in range(more):
        opt.step()
        r.step()
        seq.append(list(r.get_last_lr()))
        if momentum is not None:
            mom.append([g["momentum"] for g in opt.param_groups])
    out = " ".join(repr(x) for lrs in seq for x in lrs)
    if momentum is not None:
        out += " | " + " ".join(repr(x) for ms in mom for x in ms)
    lines.append(key + " " + out)


def warm_restarts_2x(r, k):
    t_cur = k + 1
    t_i = r.T_0
    if t_cur >= t_i:
        t_cur = t_cur % t_i
        t_i = t_i * r.T_mult
    r.T_cur, r.T_i = t_cur, t_i
    r._get_lr_called_within_step = True
    lrs = r.get_lr()
    r._get_lr_called_within_step = False
    for g, lr in zip(r.optimizer.param_groups, lrs):
        g["lr"] = lr
    r._last_lr = [g["lr"] for g in r.optimizer.param_groups]


def momenta_to(base):
    def f(opt):
        for g, b in zip(opt.param_groups, base):
            g["momentum"] = b
    return f


# ConstantLR: resumed before total_iters (5 = total_iters - 1: the initial step itself restores the rate) and after
sched_case("resume.constant3", lambda o: L.ConstantLR(o, 0.5, 6), lambda o, e: L.ConstantLR(o, 0.5, 6, last_epoch=e),
           epochs=3)
sched_case("resume.constant5", lambda o: L.ConstantLR(o, 0.5, 6), lambda o, e: L.ConstantLR(o, 0.5, 6, last_epoch=e),
           epochs=5)
sched_case("resume.constant8", lambda o: L.ConstantLR(o, 0.5, 6), lambda o, e: L.ConstantLR(o, 0.5, 6, last_epoch=e),
           epochs=8)
sched_case("resume.linear", lambda o: L.LinearLR(o, 0.25, 1.0, 8),
           lambda o, e: L.LinearLR(o, 0.25, 1.0, 8, last_epoch=e), keep_initial=True)
sched_case("resume.linearDown", lambda o: L.LinearLR(o, 1.0, 0.1, 10),
           lambda o, e: L.LinearLR(o, 1.0, 0.1, 10, last_epoch=e), epochs=7, keep_initial=True)
sched_case("resume.linearPast", lambda o: L.LinearLR(o, 0.25, 1.0, 8),
           lambda o, e: L.LinearLR(o, 0.25, 1.0, 8, last_epoch=e), epochs=9, keep_initial=True)
sched_case("resume.polynomial", lambda o: L.PolynomialLR(o, 10, 2.0),
           lambda o, e: L.PolynomialLR(o, 10, 2.0, last_epoch=e), keep_initial=True)
sched_case("resume.polynomialPast", lambda o: L.PolynomialLR(o, 6, 0.5),
           lambda o, e: L.PolynomialLR(o, 6, 0.5, last_epoch=e), epochs=6, keep_initial=True)
cyc = dict(base_lr=[0.01, 0.005], max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5, mode="triangular2",
           base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95])
sched_case("resume.cyclic", lambda o: L.CyclicLR(o, **cyc), lambda o, e: L.CyclicLR(o, **cyc, last_epoch=e),
           epochs=5, momentum=0.9, before_resume=momenta_to([0.8, 0.7]))
cyc2 = dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9, cycle_momentum=False)
sched_case("resume.cyclicExp", lambda o: L.CyclicLR(o, **cyc2), lambda o, e: L.CyclicLR(o, **cyc2, last_epoch=e),
           epochs=6)
one = dict(max_lr=[0.1, 0.05], total_steps=30)
sched_case("resume.oneCycle", lambda o: L.OneCycleLR(o, **one), lambda o, e: L.OneCycleLR(o, **one, last_epoch=e),
           epochs=6, momentum=0.9)
one3 = dict(max_lr=0.2, total_steps=40, pct_start=0.25, anneal_strategy="linear", three_phase=True,
            base_momentum=0.8, max_momentum=0.9, div_factor=10.0, final_div_factor=100.0)
sched_case("resume.oneCycle3", lambda o: L.OneCycleLR(o, **one3), lambda o, e: L.OneCycleLR(o, **one3, last_epoch=e),
           epochs=9, momentum=0.9)
for name, k, t0, mult in (("warm", 4, 3, 2), ("warm7", 7, 3, 2), ("warmMult1", 7, 3, 1), ("warmInside", 1, 5, 1)):
    sched_case("resume." + name, lambda o: L.CosineAnnealingWarmRestarts(o, t0, mult, 0.001),
               lambda o, e: L.CosineAnnealingWarmRestarts(o, t0, mult, 0.001, last_epoch=e), epochs=k,
               after_resume=warm_restarts_2x)

# resuming where no scheduler left initial_lr (the groups unchanged), and OneCycleLR without its max_lr
w = torch.zeros(1, requires_grad=True)
err("resume.noInitialLr.constant", lambda: L.ConstantLR(torch.optim.SGD([w], lr=0.1), 0.5, 4, last_epoch=2))
err("resume.noInitialLr.cyclic", lambda: L.CyclicLR(two_groups(0.9), 0.01, 0.1, last_epoch=2))
err("resume.noInitialLr.oneCycle", lambda: L.OneCycleLR(two_groups(0.9), 0.1, 10, last_epoch=2))
err("resume.noInitialLr.warm", lambda: L.CosineAnnealingWarmRestarts(two_groups(), 3, last_epoch=2))
opt = two_groups(0.9)
for g in opt.param_groups:
    g["initial_lr"] = g["lr"]
err("resume.noMaxLr.oneCycle", lambda: L.OneCycleLR(opt, 0.1, 10, last_epoch=2))
lines.append("resume.noMaxLr.oneCycle.groups " + repr([g["lr"] for g in opt.param_groups]) + " " + repr(
    [g["momentum"] for g in opt.param_groups]))
# CyclicLR over groups an earlier scheduler left an initial_lr: the initial step starts from it (base_lrs is the base
# constructor's, the groups' initial_lr, until the constructor replaces it with base_lr) - 1.13 and 2.x alike
sched_case("cyclic.afterStepLR", lambda o: L.StepLR(o, 2, 0.5),
           lambda o, e: L.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False), epochs=3, more=8)

# ---- end
print("\n".join(lines))
