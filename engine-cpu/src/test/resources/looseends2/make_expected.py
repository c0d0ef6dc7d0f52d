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
from refcases import key_lines  # noqa: E402

warnings.filterwarnings("ignore")
lines = []
text, tensor, err = key_lines(lines)


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

# ---- 2. scheduler state dicts print as PyTorch 2.x prints sched.state_dict(): a dict in __dict__ order with Python's
# reprs. 1.13's __dict__ differs (its 'verbose', no '_is_initial'; CyclicLR's and OneCycleLR's and SWALR's fields), so
# the dict is built here in 2.x's order, each key where 2.x's __init__ first assigns it (the base constructor assigns
# base_lrs and last_epoch, then _initial_step _step_count, _initial_mode _is_initial, _enable_get_lr_call
# _get_lr_called_within_step, _update_lr _last_lr; LambdaLR/MultiplicativeLR's state_dict appends lr_lambdas last,
# CyclicLR's _scale_fn_custom, the wrappers' _schedulers), with the values of the 1.13 scheduler, which are 2.x's for
# these schedules (SequentialLR is printed before its milestone: after it 2.x's _update_lr(0) leaves the next
# scheduler's _step_count where 1.13's step(0) counted one).
BASE = ["base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr"]


def dict_2x(s, own, tail=(), extra=None):
    extra = extra or {}
    out = {}
    for k in list(own) + BASE + list(tail):
        if k in extra:
            out[k] = extra[k]
        elif k in ("_is_initial", "_get_lr_called_within_step"):
            out[k] = False
        else:
            out[k] = s.__dict__[k]
    return out


def stepped(make, n=3, momentum=None, opt_maker=None):
    opt = opt_maker() if opt_maker else two_groups(momentum)
    s = make(opt)
    for _ in range(n):
        opt.step()
        s.step()
    return s


def sd(key, d):
    text("sd." + key, repr(d))


sd("step", dict_2x(stepped(lambda o: L.StepLR(o, 2, 0.5)), ["step_size", "gamma"]))
sd("multiStep", dict_2x(stepped(lambda o: L.MultiStepLR(o, [2, 5, 5, 8], 0.5)), ["milestones", "gamma"]))
sd("constant", dict_2x(stepped(lambda o: L.ConstantLR(o)), ["factor", "total_iters"]))
sd("linear", dict_2x(stepped(lambda o: L.LinearLR(o, 0.25, 1.0, 8)), ["start_factor", "end_factor", "total_iters"]))
sd("exponential", dict_2x(stepped(lambda o: L.ExponentialLR(o, 0.9)), ["gamma"]))
sd("polynomial", dict_2x(stepped(lambda o: L.PolynomialLR(o, 10, 2.0)), ["total_iters", "power"]))
sd("cosine", dict_2x(stepped(lambda o: L.CosineAnnealingLR(o, 7, 0.01)), ["T_max", "eta_min"]))
sd("cosineDefault", dict_2x(stepped(lambda o: L.CosineAnnealingLR(o, 7)), ["T_max", "eta_min"],
                            extra={"eta_min": 0.0}))  # 2.x's default eta_min is 0.0, 1.13's 0
sd("lambda", dict_2x(stepped(lambda o: L.LambdaLR(o, lambda e: 0.9 ** e)), [], ["lr_lambdas"],
                     {"lr_lambdas": [None, None]}))
sd("multiplicative", dict_2x(stepped(lambda o: L.MultiplicativeLR(o, lambda e: 0.9)), [], ["lr_lambdas"],
                             {"lr_lambdas": [None, None]}))
s = stepped(lambda o: L.CyclicLR(o, **cyc), momentum=0.9)
sd("cyclic", dict_2x(s, ["max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode", "cycle_momentum",
                         "use_beta1", "base_momentums", "max_momentums"], ["_scale_fn_custom"],
                     {"use_beta1": False, "_scale_fn_custom": None}))
s = stepped(lambda o: L.CyclicLR(o, **cyc2))
sd("cyclicExp", dict_2x(s, ["max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode", "cycle_momentum"],
                        ["_scale_fn_custom"], {"_scale_fn_custom": None}))
s = stepped(lambda o: L.OneCycleLR(o, **one), momentum=0.9)
sd("oneCycle", dict_2x(s, ["total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1"],
                       extra={"_anneal_func_type": "cos"}))
s = stepped(lambda o: L.OneCycleLR(o, **one3), momentum=0.9)
sd("oneCycle3", dict_2x(s, ["total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1"],
                        extra={"_anneal_func_type": "linear"}))
s = stepped(lambda o: L.OneCycleLR(o, 0.1, 20, cycle_momentum=False))
sd("oneCycleNoMomentum", dict_2x(s, ["total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum"],
                                 extra={"_anneal_func_type": "cos"}))
warm = ["T_0", "T_i", "T_mult", "eta_min", "T_cur"]
sd("warm", dict_2x(stepped(lambda o: L.CosineAnnealingWarmRestarts(o, 2, 2, 0.001), n=4), warm))
s = stepped(lambda o: L.CosineAnnealingWarmRestarts(o, 2, 2, 0.001), n=1)
s.step(4.5)
sd("warmFractional", dict_2x(s, warm))
s = stepped(lambda o: L.CosineAnnealingWarmRestarts(o, 3), n=1)
sd("warmDefault", dict_2x(s, warm, extra={"eta_min": 0.0}))  # 2.x's default eta_min is 0.0, 1.13's 0
rlrp = ["factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps", "last_epoch", "_last_lr", "mode_worse",
        "mode", "threshold", "threshold_mode", "best", "cooldown_counter", "num_bad_epochs"]


def plateau(key, make, metrics, default_min_lr):
    opt = two_groups()
    s = make(opt)
    for m in metrics:
        opt.step()
        s.step(m)
    d = {}
    for k in rlrp:
        if k == "default_min_lr":
            d[k] = default_min_lr
        elif k == "_last_lr":
            d[k] = [g["lr"] for g in opt.param_groups]
        else:
            d[k] = s.__dict__[k]
    sd(key, d)


plateau("plateau", lambda o: L.ReduceLROnPlateau(o), [], 0)
plateau("plateauStepped", lambda o: L.ReduceLROnPlateau(o, "max", 0.5, 1, cooldown=1, min_lr=[0.01, 0.02]),
        [1.0, 0.9, 0.8, 0.95, 0.7], None)
plateau("plateauMinLr", lambda o: L.ReduceLROnPlateau(o, "min", 0.5, 0, threshold=0.1, threshold_mode="abs",
                                                      min_lr=0.001, eps=1e-6), [1.0, 1.5, 0.2, 0.15], 0.001)
opt = two_groups()
a = L.ConstantLR(opt, 0.5, 4)
b = L.ExponentialLR(opt, 0.9)
q = L.SequentialLR(opt, [a, b], milestones=[5])
for _ in range(3):
    opt.step()
    q.step()
sd("sequential", {"_milestones": [5], "last_epoch": q.last_epoch, "_last_lr": q._last_lr,
                  "_schedulers": [dict_2x(a, ["factor", "total_iters"]), dict_2x(b, ["gamma"])]})
opt = two_groups()
a = L.StepLR(opt, 2, 0.5)
b = L.ExponentialLR(opt, 0.9)
c = L.ChainedScheduler([a, b])
for _ in range(3):
    opt.step()
    c.step()
sd("chained", {"_last_lr": c._last_lr, "_schedulers": [dict_2x(a, ["step_size", "gamma"]), dict_2x(b, ["gamma"])]})
from torch.optim.swa_utils import SWALR  # noqa: E402

s = stepped(lambda o: SWALR(o, 0.02, anneal_epochs=4, anneal_strategy="linear"))
sd("swalr", dict_2x(s, ["_anneal_strategy", "anneal_epochs"], extra={"_anneal_strategy": "linear"}))

# ---- 3. create_graph through gelu, softplus, elu (selu, celu), log_softmax and softmax: the gradient's node is
# PyTorch's backward-of-backward (GeluBackwardBackward0, SoftplusBackwardBackward0, EluBackwardBackward0 - celu's too,
# its backward being elu_backward -, LogSoftmaxBackwardDataBackward0, SoftmaxBackwardDataBackward0; the same names in
# 1.13 and 2.x's derivatives.yaml), over (grad_output, self) or, for the softmaxes and the in-place elu_/selu_/celu_
# (is_result), (grad_output, output). Float64:
# g = grad(f(x), x, v, create_graph=True); its node's name and next functions (with v, and with the default grad of
# ones, which needs none); the second derivatives of (g * g).sum() in x and v and their nodes' names; the third
# derivative grad(gx.sum(), x).
import torch.nn.functional as F  # noqa: E402


def fn_name(n):
    return "None" if n is None else n.name().replace("torch::autograd::", "")


xg = torch.tensor([[-2.5, -0.7, 0.0], [0.3, 1.9, 4.9]], dtype=torch.float64)
vg = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64)
ops = [("gelu", F.gelu), ("geluTanh", lambda t: F.gelu(t, approximate="tanh")),
       ("softplus", lambda t: F.softplus(t, 2.0, 9.0)), ("softplusDefault", F.softplus), ("elu", lambda t: F.elu(t, 0.7)),
       ("selu", F.selu), ("celu", lambda t: F.celu(t, 1.3)), ("logSoftmax", lambda t: F.log_softmax(t, 1)),
       ("softmax", lambda t: F.softmax(t, 1)), ("logSoftmax0", lambda t: F.log_softmax(t, 0)),
       ("softmax0", lambda t: F.softmax(t, 0)), ("eluInplace", lambda t: F.elu(t.clone(), 0.7, inplace=True)),
       ("seluInplace", lambda t: F.selu(t.clone(), inplace=True)),
       ("celuInplace", lambda t: F.celu(t.clone(), 1.3, inplace=True))]
for name, f in ops:
    x = xg.clone().requires_grad_(True)
    v = vg.clone().requires_grad_(True)
    g, = torch.autograd.grad(f(x), x, v, create_graph=True)
    lines.append("gg.%s.fn %s %s" % (name, fn_name(g.grad_fn), ",".join(fn_name(n[0]) for n in g.grad_fn.next_functions)))
    g1, = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    lines.append("gg.%s.fnOnes %s %s" % (name, fn_name(g1.grad_fn),
                                          ",".join(fn_name(n[0]) for n in g1.grad_fn.next_functions)))
    tensor("gg.%s.g" % name, g)
    gx, gv = torch.autograd.grad((g * g).sum(), [x, v], create_graph=True)
    tensor("gg.%s.gx" % name, gx)
    tensor("gg.%s.gv" % name, gv)
    lines.append("gg.%s.gvFn %s" % (name, fn_name(gv.grad_fn)))
    gxx, = torch.autograd.grad(gx.sum(), x)
    tensor("gg.%s.gxx" % name, gxx)

# ---- 4. named_children / named_modules / named_parameters / named_buffers of a module registered twice (in one
# parent, and shared by two parents), a None child and a tied weight. named_children and named_modules are 1.13's and
# 2.x's (both dedupe by identity through a memo; named_modules(remove_duplicate=False) in both). named_parameters and
# named_buffers take remove_duplicate only from 2.0: the generator writes 2.x's _named_members out for it (the modules
# by named_modules(remove_duplicate=...), the tensors deduplicated only with remove_duplicate).
import torch.nn as nn  # noqa: E402


def named_members_2x(module, kind, remove_duplicate):
    memo = set()
    out = []
    for mp, m in module.named_modules(prefix="", remove_duplicate=remove_duplicate):
        items = m._parameters.items() if kind == "p" else m._buffers.items()
        for k, v in items:
            if v is None or v in memo:
                continue
            if remove_duplicate:
                memo.add(v)
            out.append(mp + ("." if mp else "") + k)
    return out


def module_case(key, m):
    lines.append("mod.%s.children %s" % (key, repr([n for n, _ in m.named_children()])))
    lines.append("mod.%s.childCount %d" % (key, len(list(m.children()))))
    lines.append("mod.%s.modules %s" % (key, repr([n for n, _ in m.named_modules()])))
    lines.append("mod.%s.modulesAll %s" % (key, repr([n for n, _ in m.named_modules(remove_duplicate=False)])))
    lines.append("mod.%s.modulesAllPrefix %s" % (key, repr([n for n, _ in m.named_modules(prefix="net",
                                                                                             remove_duplicate=False)])))
    lines.append("mod.%s.moduleCount %d" % (key, len(list(m.modules()))))
    lines.append("mod.%s.params %s" % (key, repr([n for n, _ in m.named_parameters()])))
    assert [n for n, _ in m.named_parameters()] == named_members_2x(m, "p", True)
    lines.append("mod.%s.paramsAll %s" % (key, repr(named_members_2x(m, "p", False))))
    lines.append("mod.%s.paramCount %d" % (key, len(list(m.parameters()))))
    lines.append("mod.%s.buffers %s" % (key, repr([n for n, _ in m.named_buffers()])))
    lines.append("mod.%s.buffersAll %s" % (key, repr(named_members_2x(m, "b", False))))
    lines.append("mod.%s.stateKeys %s" % (key, repr(list(m.state_dict().keys()))))


torch.manual_seed(0)
lin = nn.Linear(2, 2)
bn = nn.BatchNorm1d(2)
twice = nn.Module()
twice.a = lin
twice.n = bn
twice.b = lin
twice.m = bn
module_case("twice", twice)
shared = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
root = nn.Module()
root.p1 = nn.Sequential(shared, nn.Linear(2, 3))
root.p2 = nn.Sequential(nn.Linear(3, 2), shared)
root.add_module("gap", None)
root.p3 = root.p1
module_case("shared", root)
tied = nn.Module()
tied.enc = nn.Linear(3, 3, bias=False)
tied.dec = nn.Linear(3, 3)
tied.dec.weight = tied.enc.weight
module_case("tied", tied)

# ---- end
print("\n".join(lines))
