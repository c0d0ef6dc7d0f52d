# Writes expected.txt for CyclicChainedTest (CyclicLR, ChainedScheduler).
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 on this machine; Ember follows PyTorch 2.x).
#
# CyclicLR's get_lr (cycle, x, scale_factor, base_height; the triangular/triangular2/exp_range scale functions; the
# custom scale_fn with scale_mode "cycle" or "iterations") and its constructor's group["lr"] = base_lr and
# group["momentum"] = max_momentum are the same in 1.13 and 2.x (torch/optim/lr_scheduler.py), so 1.13's rates are 2.x's.
# 2.x also cycles beta1 of Adam-like optimizers ("betas" in optimizer.defaults), which 1.13 refuses: the "beta1" case is
# recorded with SGD, whose momentum follows the same formula as 2.x's beta1 (max_momentum - base_height * scale).
# ChainedScheduler: 1.13 steps the list in order as 2.x does; 2.x added the checks (at least one scheduler, the
# optimizer attribute, no ReduceLROnPlateau, one optimizer), written below as 2.x's messages.
#
# Format: "=== key" then "value <repr>" or "error <Type> <message>" or lines "name <repr>".
import math
import warnings
import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")


def out(key, body):
    print("=== " + key)
    print(body)


# 2.x's messages where 1.13 differs (torch/optim/lr_scheduler.py of 2.x):
TORCH2 = {
    # _format_param (1.13: "expected 2 values for base_lr, got 3")
    "err_cyclic_base_lr": "ValueError base_lr must have the same length as optimizer.param_groups. base_lr has 3 values, "
                          "param_groups has 2.",
    "err_cyclic_max_momentum": "ValueError max_momentum must have the same length as optimizer.param_groups. "
                               "max_momentum has 3 values, param_groups has 2.",
    # CyclicLR.__init__ (1.13: "optimizer must support momentum with `cycle_momentum` option enabled")
    "err_cyclic_momentum": "ValueError optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
    # ChainedScheduler.__init__ (1.13: IndexError on schedulers[-1]; no other check)
    "err_chained_empty": "ValueError ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.",
    "err_chained_plateau": "ValueError ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires "
                           "additional kwargs to be specified when calling `step`, but got one at index 1 in the given "
                           "schedulers sequence.",
}


def err(key, fn):
    if key in TORCH2:
        out(key, "error " + TORCH2[key])
        return
    try:
        fn()
    except Exception as e:  # noqa
        out(key, "error %s %s" % (type(e).__name__, e))
        return
    out(key, "value no error")


def sched_opt(kind="sgd"):
    w1 = torch.zeros(2, requires_grad=True)
    w2 = torch.zeros(3, requires_grad=True)
    if kind == "sgd":
        return torch.optim.SGD([{"params": [w1]}, {"params": [w2], "lr": 0.05}], lr=0.1, momentum=0.9)
    return torch.optim.Adagrad([w1, w2], lr=0.1)


def record(key, opt, make, steps=30, momentum=False, load_at=None):
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
        for s in scheds:
            s.step()
        snap()
    out(key, "\n".join("epoch%d %s" % (k, l) for k, l in enumerate(lines)))


record("triangular", sched_opt(), lambda o: S.CyclicLR(o, base_lr=[0.01, 0.005], max_lr=0.1, step_size_up=4),
       momentum=True)
record("triangular2", sched_opt(), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=3,
                                                        step_size_down=5, mode="triangular2", base_momentum=0.85,
                                                        max_momentum=[0.95, 0.9]), momentum=True)
record("exp_range", sched_opt(), lambda o: S.CyclicLR(o, base_lr=0.02, max_lr=0.3, step_size_up=5, mode="exp_range",
                                                      gamma=0.9, cycle_momentum=False))
record("custom_cycle", sched_opt(), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3,
                                                         scale_fn=lambda x: 1.0 / x, scale_mode="cycle"), momentum=True)
record("custom_iterations", sched_opt(), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                                              mode="not a mode",
                                                              scale_fn=lambda x: 0.5 * (1 + math.cos(x / 10.0)),
                                                              scale_mode="iterations"), momentum=True)
record("down_zero", sched_opt(), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=0,
                                                      cycle_momentum=False))
# 2.x's beta1 of Adam, computed with SGD's momentum (see the header)
record("beta1", sched_opt(), lambda o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=2,
                                                  base_momentum=0.7, max_momentum=0.95), momentum=True)
record("adagrad", sched_opt("adagrad"), lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                                             cycle_momentum=False))
record("chained", sched_opt(), lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4),
                                                             S.ExponentialLR(o, gamma=0.9)]), steps=35)
record("chained3", sched_opt(), lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.2, total_iters=4),
                                                              S.StepLR(o, step_size=3, gamma=0.5),
                                                              S.MultiStepLR(o, milestones=[5, 9], gamma=0.3)]), steps=35)


def chained_last_lr():
    o = sched_opt()
    c = S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)])
    lines = ["last0 %r" % c.get_last_lr()]
    for k in range(6):
        c.step()
        lines.append("last%d %r" % (k + 1, c.get_last_lr()))
    out("chained_last_lr", "\n".join(lines))


chained_last_lr()

err("err_cyclic_base_lr", lambda: S.CyclicLR(sched_opt(), base_lr=[0.1, 0.2, 0.3], max_lr=1.0))
err("err_cyclic_mode", lambda: S.CyclicLR(sched_opt(), base_lr=0.1, max_lr=1.0, mode="triangular3"))
err("err_cyclic_momentum", lambda: S.CyclicLR(sched_opt("adagrad"), base_lr=0.1, max_lr=1.0))
err("err_cyclic_max_momentum", lambda: S.CyclicLR(sched_opt(), base_lr=0.1, max_lr=1.0, max_momentum=[0.9, 0.9, 0.9]))
err("err_cyclic_zero", lambda: S.CyclicLR(sched_opt(), base_lr=0.1, max_lr=1.0, step_size_up=0, step_size_down=0))
err("err_cyclic_up_zero", lambda: S.CyclicLR(sched_opt(), base_lr=0.1, max_lr=1.0, step_size_up=0, step_size_down=3))
err("err_chained_empty", lambda: S.ChainedScheduler([]))


def chained_plateau():
    o = sched_opt()
    S.ChainedScheduler([S.ExponentialLR(o, gamma=0.9), S.ReduceLROnPlateau(o)])


err("err_chained_plateau", chained_plateau)
