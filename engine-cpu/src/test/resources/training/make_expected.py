# Writes expected.txt for the training-tools tests (OptimizersTest, SchedulersTest, ClipGradTest, TrainingErrorsTest).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 on this machine; Ember follows PyTorch 2.x).
#
# Optimizers: the trajectories are computed by a transcription, below, of PyTorch 2.x's single-tensor updates
# (torch/optim/{sgd,adam,rmsprop,adagrad,adamax,nadam,radam}.py, _single_tensor_*; foreach=False, maximize=False), with
# 2.x's ops (lerp_, addcmul_, addcdiv_) and its state (step a float32 tensor; NAdam's mu_product a float32 tensor).
# Where PyTorch 1.13's built-in optimizer runs the same algorithm the script checks the transcription against it
# (float64: 1e-12 relative); it differs in NAdam (1.13's mu_product_next = mu_product * mu * mu_next, fixed in 2.0) and
# has no decoupled_weight_decay for NAdam/RAdam (added in 2.1), so those are checked only where 1.13 has the same thing.
# Gradients are set, not backpropagated: grad = p * a + b * s_k, the same float ops in Ember, so only the update
# differs (the moving b * s_k keeps the gradients away from 0, where a last-bit difference in p would be a large relative
# difference in the gradient). Parameter w2 gets its first gradient at step 2, so the two parameters count their steps differently.
#
# Schedulers: PyTorch 1.13's schedulers, whose rates equal 2.x's on these paths (last_epoch=-1; 2.x's _is_initial
# checks coincide with 1.13's last_epoch == 0 checks there; SequentialLR's milestone step(0) and 2.x's _update_lr(0)
# set the same closed-form rate; CosineAnnealingWarmRestarts' T_cur - T_i and 2.x's T_cur % T_i agree for whole epochs).
# OneCycleLR's "Tried to step" message: 1.13 prints step_num + 1, 2.x step_num (written below as 2.x).
#
# Format: "=== key" then "value <repr>" or "error <Type> <message>" or lines "name <repr>".
import math
import torch
from torch.optim import lr_scheduler as S

SCALES = [1.0, 0.5, 2.0, 0.1, 1.5, 0.8, 3.0, 0.3]
STEPS = 25


def out(key, body):
    print("=== " + key)
    print(body)


# Where PyTorch 2.x's message (or check) differs from 1.13's, the 2.x fact, from torch/optim/lr_scheduler.py of 2.x:
TORCH2 = {
    # LinearLR.__init__: "if start_factor > 1.0 or start_factor <= 0" (1.13 accepted 0)
    "err_linearlr_start": "ValueError Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
    # OneCycleLR.__init__ (1.13: "must by one of")
    "err_onecycle_anneal": "ValueError anneal_strategy must be one of 'cos' or 'linear', instead got exp",
    # OneCycleLR.__init__ (1.13: "must support momentum with")
    "err_onecycle_momentum": "ValueError optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
    # _format_param (1.13: "expected 2 values for max_lr, got 3")
    "err_onecycle_max_lr": "ValueError max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, "
                           "param_groups has 2.",
    # SequentialLR.__init__ refuses ReduceLROnPlateau (1.13 accepted it)
    "err_sequential_plateau": "ValueError SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires "
                              "additional kwargs to be specified when calling `step`, but got one at index 1 in the "
                              "given schedulers sequence.",
}


def err(key, fn):
    if key in TORCH2:
        out(key, "error " + TORCH2[key])
        return
    try:
        fn()
    except Exception as e:  # noqa
        out(key, "error %s %s" % (type(e).__name__, str(e).strip("'") if isinstance(e, KeyError) else e))
        return
    out(key, "value no error")


# ---------------------------------------------------------------- PyTorch 2.x single-tensor updates (transcription)

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.dirname(_os.path.abspath(__file__)))
from pytorch2_updates import *  # noqa: E402,F401,F403  (get_value and the *_update functions)


# name -> (update, init-on-construction, defaults, group-2 options, 1.13 built-in or None)
OPTIMIZERS = {
    "sgd": (sgd_update, None,
            dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False),
            dict(lr=0.05, momentum=0.5, dampening=0.0, nesterov=True),
            lambda gs: torch.optim.SGD(gs, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01, foreach=False)),
    "adam": (adam_update, None,
             dict(lr=0.05, betas=(0.85, 0.99), eps=1e-7, weight_decay=0.02, amsgrad=False, decoupled_weight_decay=False),
             dict(lr=0.02, amsgrad=True, weight_decay=0.0),
             lambda gs: torch.optim.Adam(gs, lr=0.05, betas=(0.85, 0.99), eps=1e-7, weight_decay=0.02, foreach=False)),
    "adamw": (adam_update, None,
              dict(lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=False, decoupled_weight_decay=True),
              dict(betas=(0.8, 0.9), amsgrad=True),
              lambda gs: torch.optim.AdamW(gs, lr=0.05, weight_decay=0.1, foreach=False)),
    "rmsprop": (rmsprop_update, None,
                dict(lr=0.01, momentum=0.5, alpha=0.9, eps=1e-6, centered=True, weight_decay=0.01),
                dict(lr=0.02, momentum=0.0, centered=False),
                lambda gs: torch.optim.RMSprop(gs, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5,
                                               centered=True, foreach=False)),
    "adagrad": (adagrad_update, adagrad_init,
                dict(lr=0.1, lr_decay=0.01, eps=1e-10, weight_decay=0.01, initial_accumulator_value=0.1),
                dict(lr=0.05, lr_decay=0.0, initial_accumulator_value=0.5),
                lambda gs: torch.optim.Adagrad(gs, lr=0.1, lr_decay=0.01, weight_decay=0.01,
                                               initial_accumulator_value=0.1, foreach=False)),
    "adamax": (adamax_update, None,
               dict(lr=0.02, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01),
               dict(lr=0.01, betas=(0.8, 0.999)),
               lambda gs: torch.optim.Adamax(gs, lr=0.02, betas=(0.9, 0.99), weight_decay=0.01, foreach=False)),
    "nadam": (nadam_update, None,
              dict(lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01, momentum_decay=0.004,
                   decoupled_weight_decay=False),
              dict(decoupled_weight_decay=True, weight_decay=0.1, momentum_decay=0.01),
              None),
    "radam": (radam_update, None,
              dict(lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.01, decoupled_weight_decay=False),
              dict(decoupled_weight_decay=True, weight_decay=0.05, betas=(0.9, 0.999)),
              None),
}


def params(dtype):
    w1 = torch.tensor([[0.5, -1.2, 0.8], [1.5, -0.3, 0.9]], dtype=dtype)
    w2 = torch.tensor([0.7, -0.4, 1.1, -1.6], dtype=dtype)
    a = [torch.tensor([[1.0, 0.5, 2.0], [0.3, 1.5, 0.8]], dtype=dtype), torch.tensor([0.9, 2.5, 0.4, 1.2], dtype=dtype)]
    b = [torch.tensor([[0.1, -0.2, 0.05], [-0.1, 0.3, 0.2]], dtype=dtype), torch.tensor([-0.3, 0.1, 0.25, -0.05], dtype=dtype)]
    return [w1, w2], a, b


def set_grads(ps, a, b, k):
    for i, p in enumerate(ps):
        if i == 1 and k < 2:
            p.grad = None
        else:
            p.grad = p.detach() * a[i] + b[i] * SCALES[k % len(SCALES)]


def transcription(name, dtype, second_group=True):
    update, init, defaults, g2, _ = OPTIMIZERS[name]
    ps, a, b = params(dtype)
    groups = [dict(defaults, params=[ps[0]])]
    groups.append(dict(dict(defaults, **g2) if second_group else defaults, params=[ps[1]]))
    state = {p: {} for p in ps}
    if init:
        # Adagrad's __init__ fills every sum with the constructor's initial_accumulator_value, whatever a group says
        for g in groups:
            for p in g["params"]:
                init(dict(g, initial_accumulator_value=defaults["initial_accumulator_value"]), p, state[p])
    traj = []
    with torch.no_grad():
        for k in range(STEPS):
            set_grads(ps, a, b, k)
            for g in groups:
                for p in g["params"]:
                    if p.grad is not None:
                        update(g, p, p.grad, state[p])
            traj.append(ps[0].flatten().tolist() + ps[1].tolist())
    return traj, state, ps


def builtin(name, dtype):
    _, _, _, _, make = OPTIMIZERS[name]
    ps, a, b = params(dtype)
    opt = make([{"params": [ps[0]]}, {"params": [ps[1]]}])
    traj = []
    for k in range(STEPS):
        set_grads(ps, a, b, k)
        opt.step()
        traj.append(ps[0].flatten().tolist() + ps[1].tolist())
    return traj


def close(x, y, rtol, atol):
    return all(abs(u - v) <= rtol * abs(v) + atol for rx, ry in zip(x, y) for u, v in zip(rx, ry))


for name in OPTIMIZERS:
    for dtype, tag in ((torch.float32, "float32"), (torch.float64, "float64")):
        traj, state, ps = transcription(name, dtype)
        if OPTIMIZERS[name][4] is not None:
            # the transcription vs 1.13's optimizer, one group of defaults for both parameters
            mine, _, _ = transcription(name, dtype, second_group=False)
            theirs = builtin(name, dtype)
            # float32: 1.13's mul_/add_ for 2.x's lerp_ rounds differently (a few ulps)
            assert close(mine, theirs, *((1e-12, 1e-15) if dtype == torch.float64 else (1e-6, 1e-6))), (name, tag)
        print("=== opt_%s_%s" % (name, tag))
        for k, v in enumerate(traj):
            print("step%d %r" % (k, v))
        for i, p in enumerate(ps):
            for key, v in state[p].items():
                print("state%d_%s %r" % (i, key, v.flatten().tolist() if v.dim() > 0 else [v.item()]))
assert all(abs(r - 5.0) > 1e-6 for r in RHO), "a rho_t too close to 5 would make the branch depend on rounding"


# ---------------------------------------------------------------- schedulers

def sched_opt(kind="sgd"):
    w1 = torch.zeros(2, requires_grad=True)
    w2 = torch.zeros(3, requires_grad=True)
    if kind == "sgd":
        return torch.optim.SGD([{"params": [w1]}, {"params": [w2], "lr": 0.05}], lr=0.1, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam([{"params": [w1]}, {"params": [w2], "lr": 0.05, "betas": (0.8, 0.99)}], lr=0.1)
    return torch.optim.Adagrad([w1, w2], lr=0.1)


def record(key, opt, make, steps=35, step=None, momentum=False):
    import warnings
    warnings.simplefilter("ignore")
    scheds = make(opt)
    if not isinstance(scheds, tuple):
        scheds = (scheds,)
    lines = []

    def snap():
        s = "%r" % [g["lr"] for g in opt.param_groups]
        if momentum:
            s += " %r" % [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]
        lines.append(s)
    snap()
    for k in range(steps):
        if step:
            step(scheds, k)
        else:
            for s in scheds:
                s.step()
        snap()
    out(key, "\n".join("epoch%d %s" % (k, l) for k, l in enumerate(lines)))


record("sched_steplr", sched_opt(), lambda o: S.StepLR(o, step_size=4, gamma=0.5))
record("sched_multisteplr", sched_opt(), lambda o: S.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.3))
record("sched_exponentiallr", sched_opt(), lambda o: S.ExponentialLR(o, gamma=0.9))
record("sched_cosine", sched_opt(), lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001))
record("sched_cawr", sched_opt(), lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001))
record("sched_cawr_mult1", sched_opt(), lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7))
CAWR_EPOCHS = [0.5, 1.25, 6.7, 20.0, 3.3, 14.9, 45.0, 2.0, 0.0, 9.99]
record("sched_cawr_epochs", sched_opt(), lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
       steps=len(CAWR_EPOCHS), step=lambda s, k: s[0].step(CAWR_EPOCHS[k]))
record("sched_onecycle_cos", sched_opt(), lambda o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=35), momentum=True)
record("sched_onecycle_linear3", sched_opt("adam"),
       lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=30, pct_start=0.25, anneal_strategy="linear", three_phase=True,
                              base_momentum=0.7, max_momentum=0.9, div_factor=10.0, final_div_factor=100.0),
       steps=30, momentum=True)
record("sched_onecycle_nomomentum", sched_opt("adagrad"),
       lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=20, cycle_momentum=False), steps=20)
record("sched_linearlr", sched_opt(), lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=7))
record("sched_constantlr", sched_opt(), lambda o: S.ConstantLR(o, factor=0.4, total_iters=6))
record("sched_polynomiallr", sched_opt(), lambda o: S.PolynomialLR(o, total_iters=9, power=2.0))
record("sched_chained_constant", sched_opt(), lambda o: (S.ConstantLR(o, factor=0.5, total_iters=4),
                                                         S.ExponentialLR(o, gamma=0.9)))
record("sched_multiplicativelr", sched_opt(), lambda o: S.MultiplicativeLR(o, [lambda e: 0.95, lambda e: 1.0 - 0.01 * e]))
record("sched_lambdalr", sched_opt(), lambda o: S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e)]))
record("sched_sequential", sched_opt(),
       lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=20)],
                                milestones=[5]))
record("sched_sequential3", sched_opt(),
       lambda o: S.SequentialLR(o, [S.ExponentialLR(o, gamma=0.9), S.StepLR(o, step_size=3, gamma=0.5),
                                    S.MultiStepLR(o, milestones=[2, 4], gamma=0.1)], milestones=[6, 15]))
record("sched_chained", sched_opt(), lambda o: (S.ExponentialLR(o, gamma=0.9), S.StepLR(o, step_size=3, gamma=0.5)))
record("sched_chained_warmup_cosine", sched_opt(),
       lambda o: (S.LinearLR(o, start_factor=0.2, total_iters=4), S.CosineAnnealingLR(o, T_max=30, eta_min=0.01)))
METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.49, 0.495, 0.5, 0.51, 0.52, 0.53, 0.3, 0.31, 0.32, 0.33, 0.34,
           0.35, 0.36, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
record("sched_plateau_min", sched_opt(),
       lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=0.01, cooldown=1,
                                     min_lr=[0.01, 0.02]),
       steps=len(METRICS), step=lambda s, k: s[0].step(METRICS[k]))
record("sched_plateau_max_abs", sched_opt(),
       lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.05, threshold_mode="abs",
                                     min_lr=0.004),
       steps=len(METRICS), step=lambda s, k: s[0].step(-METRICS[k]))


# ---------------------------------------------------------------- clipping

def clip_params():
    torch.manual_seed(0)
    p = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True), torch.zeros(2, requires_grad=True)]
    grads = [torch.tensor([[0.5, -1.5, 2.0, 0.1], [3.0, -0.2, 0.7, -2.2], [0.05, 1.1, -0.9, 0.4]]),
             torch.tensor([-4.0, 0.3, 2.5, -0.6, 1.0]), None]
    for q, g in zip(p, grads):
        q.grad = g
    return p


for norm_type in [2.0, 1.0, float("inf"), 3.0, 0.5]:
    for max_norm in [1.0, 100.0]:
        ps = clip_params()
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
        out("clip_norm_%s_%s" % (norm_type, max_norm),
            "total %r\ngrad0 %r\ngrad1 %r" % (total.item(), ps[0].grad.flatten().tolist(), ps[1].grad.tolist()))
ps = clip_params()
g1 = ps[1].grad.double()
ps[1] = torch.zeros(5, dtype=torch.float64, requires_grad=True)
ps[1].grad = g1
total = torch.nn.utils.clip_grad_norm_(ps, 2.0)
out("clip_norm_mixed", "total %r\ndtype %s\ngrad0 %r\ngrad1 %r" % (total.item(), total.dtype, ps[0].grad.flatten().tolist(),
                                                                  ps[1].grad.tolist()))
ps = [torch.zeros(2, requires_grad=True)]
out("clip_norm_empty", "total %r\ndtype %s" % (torch.nn.utils.clip_grad_norm_(ps, 1.0).item(),
                                                torch.nn.utils.clip_grad_norm_(ps, 1.0).dtype))


def nonfinite():
    ps = clip_params()
    ps[1].grad[2] = float("inf")
    torch.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


err("clip_norm_nonfinite", nonfinite)
ps = clip_params()
ps[1].grad[2] = float("inf")
total = torch.nn.utils.clip_grad_norm_(ps, 1.0)
out("clip_norm_inf_allowed", "total %r\ngrad1 %r" % (total.item(), ps[1].grad.tolist()))
for v in [0.5, -0.5]:
    ps = clip_params()
    torch.nn.utils.clip_grad_value_(ps, v)
    out("clip_value_%s" % v, "grad0 %r\ngrad1 %r" % (ps[0].grad.flatten().tolist(), ps[1].grad.tolist()))


# ---------------------------------------------------------------- errors (messages the same in 1.13 and 2.x)

def q():
    return [torch.zeros(2, requires_grad=True)]


err("err_rmsprop_alpha", lambda: torch.optim.RMSprop(q(), alpha=-0.1))
err("err_rmsprop_momentum", lambda: torch.optim.RMSprop(q(), momentum=-0.5))
err("err_rmsprop_eps", lambda: torch.optim.RMSprop(q(), eps=-1.0))
err("err_adagrad_lr_decay", lambda: torch.optim.Adagrad(q(), lr_decay=-0.1))
err("err_adagrad_initial", lambda: torch.optim.Adagrad(q(), initial_accumulator_value=-1.0))
err("err_adagrad_eps", lambda: torch.optim.Adagrad(q(), eps=-1e-10))
err("err_adamax_beta1", lambda: torch.optim.Adamax(q(), betas=(0.9, 1.0)))
err("err_nadam_momentum_decay", lambda: torch.optim.NAdam(q(), momentum_decay=-0.004))
err("err_nadam_beta0", lambda: torch.optim.NAdam(q(), betas=(-0.1, 0.999)))
err("err_radam_weight_decay", lambda: torch.optim.RAdam(q(), weight_decay=-0.01))
err("err_radam_lr", lambda: torch.optim.RAdam(q(), lr=-0.001))


def duplicate_group():
    p = q()
    opt = torch.optim.SGD(p, lr=0.1)
    opt.add_param_group({"params": p})


err("err_add_param_group_duplicate", duplicate_group)


def load_groups():
    a = torch.optim.SGD(q(), lr=0.1)
    b = torch.optim.SGD(q(), lr=0.1)
    b.add_param_group({"params": q()})
    a.load_state_dict(b.state_dict())


def load_sizes():
    a = torch.optim.SGD(q(), lr=0.1)
    b = torch.optim.SGD(q() + q(), lr=0.1)
    a.load_state_dict(b.state_dict())


err("err_load_groups", load_groups)
err("err_load_sizes", load_sizes)
err("err_linearlr_start", lambda: S.LinearLR(sched_opt(), start_factor=0.0))
err("err_linearlr_end", lambda: S.LinearLR(sched_opt(), end_factor=1.5))
err("err_constantlr_factor", lambda: S.ConstantLR(sched_opt(), factor=1.5))
err("err_multiplicativelr_count", lambda: S.MultiplicativeLR(sched_opt(), [lambda e: 0.9]))
err("err_cawr_t0", lambda: S.CosineAnnealingWarmRestarts(sched_opt(), T_0=0))
err("err_cawr_tmult", lambda: S.CosineAnnealingWarmRestarts(sched_opt(), T_0=3, T_mult=0))
err("err_cawr_epoch", lambda: S.CosineAnnealingWarmRestarts(sched_opt(), T_0=3).step(-1.0))
err("err_onecycle_total", lambda: S.OneCycleLR(sched_opt(), max_lr=0.1, total_steps=0))
err("err_onecycle_pct", lambda: S.OneCycleLR(sched_opt(), max_lr=0.1, total_steps=10, pct_start=1.5))
err("err_onecycle_anneal", lambda: S.OneCycleLR(sched_opt(), max_lr=0.1, total_steps=10, anneal_strategy="exp"))
err("err_onecycle_momentum", lambda: S.OneCycleLR(sched_opt("adagrad"), max_lr=0.1, total_steps=10))
err("err_onecycle_max_lr", lambda: S.OneCycleLR(sched_opt(), max_lr=[0.1, 0.2, 0.3], total_steps=10))
err("err_lambdalr_count", lambda: S.LambdaLR(sched_opt(), [lambda e: 1.0]))
err("err_plateau_factor", lambda: S.ReduceLROnPlateau(sched_opt(), factor=1.0))
err("err_plateau_mode", lambda: S.ReduceLROnPlateau(sched_opt(), mode="avg"))
err("err_plateau_threshold_mode", lambda: S.ReduceLROnPlateau(sched_opt(), threshold_mode="pct"))
err("err_plateau_min_lrs", lambda: S.ReduceLROnPlateau(sched_opt(), min_lr=[0.1, 0.2, 0.3]))


def sequential_count():
    o = sched_opt()
    S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[2, 4])


def sequential_plateau():
    o = sched_opt()
    S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], milestones=[2])


err("err_sequential_count", sequential_count)
err("err_sequential_plateau", sequential_plateau)


def onecycle_past():
    o = sched_opt()
    s = S.OneCycleLR(o, max_lr=0.1, total_steps=3)
    for _ in range(4):
        s.step()


# 1.13 says "Tried to step 5 times"; 2.x (torch/optim/lr_scheduler.py, OneCycleLR.get_lr) prints step_num: 4
out("err_onecycle_past", "error ValueError Tried to step 4 times. The specified number of total steps is 3")
