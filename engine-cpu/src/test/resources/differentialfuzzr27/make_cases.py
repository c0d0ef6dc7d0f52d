# Differential fuzz round 27 for DifferentialFuzzR27Test.java: seeded PROGRAMS OVER torch.optim AND
# torch.optim.lr_scheduler, run in PyTorch (float64 parameters) with everything a user observes recorded;
# FuzzR27Interpreter.java replays each in Ember.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr27 && /usr/bin/python3 make_cases.py > cases.txt
#   (PyTorch 1.13 CPU; the seed is fixed and every random draw is seeded, so a second run writes the same bytes)
#   a local hunt: FUZZ_SEED=<s> FUZZ_N=<n> /usr/bin/python3 make_cases.py > /tmp/hunt.txt, then the test with
#   -Dember.fuzz27.file=/tmp/hunt.txt (inside -Dember.test.argLine)
#
# Round 13 trains whole models with one optimizer and scheduler, round 5/6 steps optimizers and schedulers alone; this
# round drives them as programs: 1 to 3 small float64 parameters (some with requires_grad False), gradients set by hand
# (p.grad = ..., None) or accumulated from a small loss, an optimizer of random hyper-parameters over one or two
# constructor groups, and 4 to 10 statements mixing steps, closures, zero_grad, add_param_group, state_dict contents,
# checkpoints, one or two schedulers (or a SequentialLR / ChainedScheduler) and refusals. Lines:
#   === r27_<k> P <n>                  a program of n lines
#   par <i> <rg> <shape> <csv>          parameter i (float64; shape "2x3", "4"; rg 1: requires_grad)
#   opt <name> <k=v ...>                the optimizer's keyword arguments (v: a float repr, True/False/None, a pair "a,b",
#                                       a string); LBFGS: lr, max_iter, history_size, line_search_fn
#   grp <i,j> [<k=v> ...]               a constructor group (params [p_i, p_j] and its own options), in order; no grp
#                                       line: the optimizer takes the list of every parameter
#   s <statement>                       a statement (below), then its outcome:
#   r <text>                            its result, or
#   err <Kind>: <message>               its refusal (Python's exception class and message)
#   st <p csv>|... ; <g csv|none>|... ; <lr>,...   then the state: every parameter's values, every gradient, every
#                                       group's lr (after a refusal the state must be the one before the statement)
# Statements:
#   grad <i> <csv|none>     p_i.grad = the tensor (of p_i's shape) or None
#   loss                    the loss L = sum over the parameters requiring grad of (q * a_i + q * q * 0.1 - p * 0.3).sum()
#                           with q = p * p and a_i = 0.5 * (i + 1), summed in parameter order, then L.backward()
#                           (gradients accumulate)                                              r <L>
#   step                    optimizer.step()
#   stepc                   optimizer.step(closure), the closure: zero_grad(set_to_none=True), L, L.backward(), return
#                           L (L-BFGS: its line search calls it several times)                    r <returned loss>
#   zero <0|1>              optimizer.zero_grad(set_to_none=bool)
#   addg <i,..> [<k=v>..]   optimizer.add_param_group({'params': [p_i, ...], k: v, ...}): a parameter already in a group
#                           is refused ("some parameters appear in more than one parameter group")
#   sd                      optimizer.state_dict(), written as
#                           sdg <g> <k=v;k=v;...;params=0,1>   each group, its keys in the dict's order
#                           sds <i> <k=v;...>                  each state entry in index order; a value n:<float> for
#                                                              a number or a 0-dim tensor, t<shape>:<csv> for a tensor,
#                                                              L[...] for a list
#   load                    a fresh optimizer of the same construction (groups added so far added again, with their
#                           options) loads optimizer.state_dict(); the program goes on with the fresh one
#   badload <n|s>           a fresh optimizer of another construction loads optimizer.state_dict(): n with one group more
#                           (or less) than the optimizer, s with a group of another size; refused, the program goes on
#                           with the old optimizer
#   badself <name> <groups>  the optimizer itself loads the state_dict() of a fresh optimizer of another grouping (as
#                           badload's): refused, and the optimizer must be as it was (the program goes on with it)
#   badsched <spec>         a scheduler of one bad option (LinearLR's factors, ConstantLR's factor,
#                           CosineAnnealingWarmRestarts' T_0 / T_mult, ReduceLROnPlateau's factor / mode /
#                           threshold_mode, OneCycleLR's total_steps / pct_start / anneal_strategy) over the optimizer:
#                           refused before the optimizer changes
#   badopt <name> <k=v ..>  the constructor of another optimizer with one bad hyper-parameter over the parameters:
#                           refused with PyTorch's message
#   sched <spec> [| <spec>]  a scheduler over the optimizer (round 13's spec lines, FuzzR6Training.scheduler; a
#                           SequentialLR / ChainedScheduler line with its children after "|"); a second sched statement
#                           adds a second scheduler on the same optimizer (both stepped, in order)   r <lrs>
#   sstep [<v>]             every scheduler stepped in order: ReduceLROnPlateau with the metric v, a
#                           CosineAnnealingWarmRestarts with a fractional epoch v (if given)
#                           r <group lrs> ; <get_last_lr of each scheduler, "/" between>
#   epochs <k> [<m,..>]     k epochs (3 to 12), each optimizer.step() (L-BFGS: step(closure), its "r <loss>" line
#                           first) then every scheduler stepped (ReduceLROnPlateau with the epoch's metric, drawn as a
#                           falling, flat, rising or noisy run)                     an "r" line of sstep's form per epoch
#   ckpt                    {optimizer, schedulers} state dicts into a fresh optimizer of the same construction and fresh
#                           schedulers of the same specs (made over the fresh optimizer, then the optimizer's dict loaded,
#                           then the schedulers' dicts); the program goes on with the fresh ones
# Values are Python reprs of float64, compared within 1e-12 relative or 1e-14 absolute (L-BFGS programs: 1e-8, below);
# the text around them (keys in order, messages, booleans, None, strings) exactly; a number that PyTorch keeps as an int
# (SGD's momentum=0, the params indices) is compared by value.
#
# 2.x, not 1.13 (Ember follows 2.x):
# - SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam and RAdam step through ../training/pytorch2_updates.py (2.x's
#   single-tensor updates, transcribed and checked there) inside round 13's Opt2x, an Optimizer subclass; Adadelta, ASGD
#   and Rprop are 1.13's built-ins with foreach=False (2.x keeps their single-tensor updates) and 2.x's float32 tensor
#   step (round 13's _tensor_steps); L-BFGS is 1.13's (the same in 2.x).
# - the param_groups entries of state_dict are 2.x's (torch/optim/<name>.py's defaults dicts as of 2.7, checked against
#   RMSprop's and Adam's sources): each group's keys are the keys given in its dict first (a constructor group's own
#   options, add_param_group's), then the defaults in 2.x's order (with 2.x's added maximize, foreach, capturable,
#   differentiable, fused and decoupled_weight_decay where 2.x has them), then keys a scheduler added (initial_lr,
#   ...), then params. KEYS2X below; 1.13's built-ins lack some (Adadelta's capturable), which are filled with 2.x's
#   defaults. foreach / capturable / differentiable given to the constructor are recorded in the groups only (the
#   steps are the single-tensor ones either way: foreach changes no value in exact arithmetic and 2.x's foreach paths
#   are the same formulas).
# - load_state_dict is 2.x's (round 13's _load_state_dict_2x, with its ValueError texts), ReduceLROnPlateau's _reduce_lr
#   2.x's (round 13's _reduce_lr_2x) and its get_last_lr 2.x's (_last_lr: the groups' lrs from its constructor on and
#   after each of its steps, kept in its state dict; 1.13 has none).
# - zero_grad's set_to_none is always given (the defaults differ: 1.13 False, 2.x True).
# - a state entry's number that 1.13 keeps as a Python number and 2.x as a 0-dim tensor (ASGD's eta and mu) is written
#   as n:<float> either way.
# - CyclicLR with cycle_momentum is 2.x's: it stores max_momentum and base_momentum in every group (before initial_lr),
#   which 1.13 does not (build_sched); OneCycleLR stepped past total_steps says "Tried to step <last_epoch> times" as 2.x
#   (1.13: last_epoch + 1), rewritten in err_line.
# - L-BFGS programs are compared within 1e-8 relative, not 1e-12: near the minimum of the loss the strong Wolfe search's
#   decisions and the curvature pairs (1 / y.s) amplify last-bit differences of the gradients (round 13 takes 1e-6); an
#   L-BFGS statement that PyTorch fails with ZeroDivisionError (the strong Wolfe interpolation over a step length of 0
#   from a schedule) ends the program before it (left out, as round 13), and so does one after which every gradient is
#   below 1e-4 (the minimum reached: the later steps move by amplified rounding noise; round 13 stops at a loss below
#   1e-4).
# - 2.x's scheduler refusals where 1.13's differ (read in 2.x's torch/optim/lr_scheduler.py): LinearLR refuses a
#   start_factor of 0 and says "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
#   OneCycleLR "anneal_strategy must be one of" (1.13: "must by one of"); rewritten in err_line / raised in badsched.
# - a scheduler step that PyTorch fails (ConstantLR's factor 0 at total_iters divides by zero) ends the program after its
#   "err" line: PyTorch has counted the epoch before get_lr failed, Ember's refused step changes nothing (the engine's
#   rule for bad input), so the schedules part there (as round 13).
# Left out: SparseAdam, Adafactor and Muon (1.13 lacks the last two; round 13 covers SparseAdam); differentiable=True
# (Ember refuses it: its steps are not recorded by autograd) and fused=True (2.x's fused CPU kernels round otherwise);
# hyper-parameters given to add_param_group or to a constructor group out of range (PyTorch checks only the
# constructor's keyword arguments and takes them silently; Ember refuses them); add_param_group with Adagrad (2.x makes
# Adagrad's state in its constructor only, so a later group's step fails with KeyError) and with L-BFGS (one group);
# L-BFGS's step without a closure; scheduler state_dict contents (round 5 compares them; here their round trip is
# checked by what the schedules do after it).
import importlib.util
import os
import random
import re
import sys
import warnings

import torch

warnings.simplefilter("ignore")
SEED = int(os.environ.get("FUZZ_SEED", "27"))
NCASES = int(os.environ.get("FUZZ_N", "200"))

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("fuzz13_make_cases",
                                               os.path.join(HERE, "..", "differentialfuzzr13", "make_cases.py"))
R13 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(R13)  # patches 2.x's load_state_dict and ReduceLROnPlateau._reduce_lr in
F5 = R13.F5
LS = torch.optim.lr_scheduler

_opt2x_step = R13.Opt2x.step


def _opt2x_step_closure(self, closure=None):
    """2.x's step(closure): the closure run first under enable_grad, its loss returned (round 13's Opt2x takes none)."""
    loss = None
    if closure is not None:
        with torch.enable_grad():
            loss = closure()
    _opt2x_step(self)
    return loss


R13.Opt2x.step = _opt2x_step_closure

# 2.x's defaults, in its order (torch/optim/*.py, 2.7)
KEYS2X = {
    "sgd": [("lr", 0.001), ("momentum", 0), ("dampening", 0), ("weight_decay", 0), ("nesterov", False),
            ("maximize", False), ("foreach", None), ("differentiable", False), ("fused", None)],
    "adam": [("lr", 0.001), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0), ("amsgrad", False),
             ("maximize", False), ("foreach", None), ("capturable", False), ("differentiable", False), ("fused", None),
             ("decoupled_weight_decay", False)],
    "rmsprop": [("lr", 0.01), ("momentum", 0), ("alpha", 0.99), ("eps", 1e-8), ("centered", False),
                ("weight_decay", 0), ("capturable", False), ("foreach", None), ("maximize", False),
                ("differentiable", False)],
    "adagrad": [("lr", 0.01), ("lr_decay", 0), ("eps", 1e-10), ("weight_decay", 0), ("initial_accumulator_value", 0),
                ("foreach", None), ("maximize", False), ("differentiable", False), ("fused", None)],
    "adamax": [("lr", 0.002), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0), ("foreach", None),
               ("maximize", False), ("differentiable", False), ("capturable", False)],
    "nadam": [("lr", 0.002), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0), ("momentum_decay", 0.004),
              ("decoupled_weight_decay", False), ("maximize", False), ("foreach", None), ("capturable", False),
              ("differentiable", False)],
    "radam": [("lr", 0.001), ("betas", (0.9, 0.999)), ("eps", 1e-8), ("weight_decay", 0),
              ("decoupled_weight_decay", False), ("maximize", False), ("foreach", None), ("capturable", False),
              ("differentiable", False)],
    "adadelta": [("lr", 1.0), ("rho", 0.9), ("eps", 1e-6), ("weight_decay", 0), ("maximize", False),
                 ("capturable", False), ("foreach", None), ("differentiable", False)],
    "asgd": [("lr", 0.01), ("lambd", 1e-4), ("alpha", 0.75), ("t0", 1e6), ("weight_decay", 0), ("foreach", None),
             ("maximize", False), ("differentiable", False), ("capturable", False)],
    "rprop": [("lr", 0.01), ("etas", (0.5, 1.2)), ("step_sizes", (1e-6, 50)), ("foreach", None), ("maximize", False),
              ("differentiable", False), ("capturable", False)],
    "lbfgs": [("lr", 1), ("max_iter", 20), ("max_eval", None), ("tolerance_grad", 1e-7), ("tolerance_change", 1e-9),
              ("history_size", 100), ("line_search_fn", None)],
}
KEYS2X["adamw"] = [(k, 0.01 if k == "weight_decay" else True if k == "decoupled_weight_decay" else v)
                   for k, v in KEYS2X["adam"]]
FLAGS = ("foreach", "capturable", "differentiable")
NAMES = ["sgd", "sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "radam", "adadelta", "asgd", "rprop",
         "lbfgs"]


def r12(x):
    return repr(float(x))


def fmt_v(v):
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, (tuple, list)):
        return ",".join(fmt_v(x) for x in v)
    if isinstance(v, str):
        return v
    return r12(v)


def fmt_kw(o):
    return " ".join("%s=%s" % (k, fmt_v(v)) for k, v in o.items())


def csv(t):
    return ",".join(r12(x) for x in t.detach().reshape(-1).tolist())


def shape_s(t):
    return "x".join(str(d) for d in t.shape) if t.dim() else "-"


def loss_fn(ps):
    total = None
    for i, p in enumerate(ps):
        if not p.requires_grad:
            continue
        q = p * p
        term = (q * (0.5 * (i + 1)) + q * q * 0.1 - p * 0.3).sum()
        total = term if total is None else total + term
    return total


def err_line(e):
    kind = type(e).__name__
    msg = e.args[0] if e.args else ""
    if isinstance(e, KeyError):
        msg = repr(msg)
    msg = {"Starting multiplicative factor expected to be between 0 and 1.": LINEAR_START_2X,
           "anneal_strategy must by one of 'cos' or 'linear', instead got x":
               "anneal_strategy must be one of 'cos' or 'linear', instead got x"}.get(msg, msg)
    m = re.match(r"Tried to step (\d+) times(.*)", str(msg))
    if m:
        # 2.x's OneCycleLR names last_epoch, 1.13's last_epoch + 1
        msg = "Tried to step %d times%s" % (int(m.group(1)) - 1, m.group(2))
    return "err %s: %s" % (kind, str(msg).replace("\n", "|"))


class Prog:
    def __init__(self, rng, k):
        self.rng = rng
        self.k = k
        self.lines = []
        self.ps = []
        self.name = None
        self.kw = {}
        self.flags = {}
        self.groups = None  # [(idx, options)] of the constructor
        self.added = []  # [(idx, options)] of add_param_group
        self.sspecs = []  # [[spec, children...]] per scheduler
        self.scheds = []
        self.opt = None


def make_opt(pr, ps, groups, added):
    """The optimizer of pr's construction over ps (groups: the constructor's, added: add_param_group's)."""
    name = pr.name
    if name == "lbfgs":
        opt = torch.optim.LBFGS(ps, **pr.kw)
    else:
        if groups is None:
            spec = [{"params": list(ps)}]
        else:
            spec = [dict({"params": [ps[i] for i in idx]}, **o) for idx, o in groups]
        if name in R13.BUILTIN:
            kw = dict(pr.kw)
            kw["foreach"] = False
            opt = R13.BUILTIN[name](spec, **kw)
        else:
            opt = R13.Opt2x(spec, name, pr.kw)
    opt._given = [list(o.keys()) for _, o in (groups or [([], {})])] if name != "lbfgs" else [[]]
    for idx, o in added:
        opt.add_param_group(dict({"params": [ps[i] for i in idx]}, **o))
        opt._given.append(list(o.keys()))
    return opt


def group_items(pr, opt, gi):
    """2.x's state_dict entry of group gi: its keys in 2.x's order (see the header), params last."""
    g = opt.param_groups[gi]
    given = opt._given[gi] if gi < len(opt._given) else []
    keys2x = [k for k, _ in KEYS2X[pr.name]]
    d2x = dict(KEYS2X[pr.name])
    out = []
    for k in given:
        out.append((k, g[k]))
    for k in keys2x:
        if k in FLAGS:
            out.append((k, pr.flags.get(k, d2x[k])))  # recorded only (see the header)
        elif k not in given:
            out.append((k, g.get(k, d2x[k])))
    skip = set(given) | set(keys2x) | {"params"} | set(F5.O_DEFAULTS.get(pr.name, {}))
    for k in g:
        if k not in skip and k not in d2x:
            out.append((k, g[k]))
    return out


def fmt_state_v(v):
    if isinstance(v, torch.Tensor):
        if v.dim() == 0:
            return "n:" + r12(v.item())
        return "t%s:%s" % (shape_s(v), csv(v))
    if isinstance(v, (list, tuple)):
        return "L[" + " ".join(fmt_state_v(x) for x in v) + "]"
    if v is None:
        return "None"
    return "n:" + r12(v)


def sd_lines(pr, opt):
    sd = opt.state_dict()
    out = []
    for gi, g in enumerate(sd["param_groups"]):
        items = group_items(pr, opt, gi)
        out.append("sdg %d %s;params=%s" % (gi, ";".join("%s=%s" % (k, fmt_v(v)) for k, v in items),
                                              ",".join(str(i) for i in g["params"])))
    for i in sorted(sd["state"]):
        st = sd["state"][i]
        out.append("sds %d %s" % (i, ";".join("%s=%s" % (k, fmt_state_v(st[k])) for k in st)))
    return out


def state_line(pr):
    pv = "|".join(csv(p) for p in pr.ps)
    gv = "|".join("none" if p.grad is None else csv(p.grad) for p in pr.ps)
    lv = ",".join(r12(g["lr"]) for g in pr.opt.param_groups)
    return "st %s ; %s ; %s" % (pv, gv, lv)


def lr_result(pr):
    s = ",".join(r12(g["lr"]) for g in pr.opt.param_groups)
    lasts = [",".join(r12(x) for x in sc.get_last_lr()) for sc in pr.scheds]
    return "r %s ; %s" % (s, "/".join(lasts))


_plateau_init = LS.ReduceLROnPlateau.__init__
_plateau_step = LS.ReduceLROnPlateau.step


def _plateau_init_2x(self, optimizer, *args, **kwargs):
    """2.x's ReduceLROnPlateau keeps _last_lr (the groups' lrs) from its constructor on; 1.13 has none."""
    _plateau_init(self, optimizer, *args, **kwargs)
    self._last_lr = [float(g["lr"]) for g in optimizer.param_groups]


def _plateau_step_2x(self, metrics, epoch=None):
    """2.x's step: the groups' lrs after its own reduction kept as _last_lr (a scheduler stepped after it on the same
    optimizer does not change them)."""
    _plateau_step(self, metrics, epoch)
    self._last_lr = [float(g["lr"]) for g in self.optimizer.param_groups]


LS.ReduceLROnPlateau.__init__ = _plateau_init_2x
LS.ReduceLROnPlateau.step = _plateau_step_2x
LS.ReduceLROnPlateau.get_last_lr = lambda self: self._last_lr


# ------------------------------------------------------------------------------------------------------ drawing

class R:
    def __init__(self, rng):
        self.rng = rng


def rand_opts(rng, name):
    if name == "lbfgs":
        return dict(lr=rng.choice([1.0, 0.5, 0.1]), max_iter=rng.choice([1, 3, 5]),
                    history_size=rng.choice([2, 5, 100]), line_search_fn=rng.choice([None, "strong_wolfe"]))
    return F5.rand_options(R(rng), name)


def rand_flags(rng, name):
    f = {}
    keys = [k for k, _ in KEYS2X[name]]
    for k in FLAGS:
        if k in keys and rng.random() < 0.3:
            f[k] = rng.choice([True, False, None]) if k == "foreach" else False
    return f


BAD = {
    "sgd": [("lr", -0.1), ("momentum", -0.5), ("weight_decay", -0.01), ("nesterov", True)],
    "adam": [("lr", -1.0), ("eps", -1e-8), ("betas", (1.0, 0.999)), ("betas", (0.9, 1.5)), ("weight_decay", -0.1)],
    "adamw": [("lr", -1.0), ("eps", -1e-8), ("betas", (-0.1, 0.999)), ("weight_decay", -0.1)],
    "rmsprop": [("lr", -0.01), ("eps", -1.0), ("momentum", -0.9), ("weight_decay", -1.0), ("alpha", -0.5)],
    "adagrad": [("lr", -0.01), ("lr_decay", -0.1), ("weight_decay", -0.5), ("initial_accumulator_value", -1.0),
                ("eps", -1e-10)],
    "adamax": [("lr", -0.002), ("eps", -1.0), ("betas", (0.9, 1.0)), ("weight_decay", -0.1)],
    "nadam": [("lr", -0.002), ("eps", -1.0), ("betas", (1.2, 0.9)), ("weight_decay", -0.1), ("momentum_decay", -0.1)],
    "radam": [("lr", -0.001), ("eps", -1.0), ("betas", (0.9, -0.1)), ("weight_decay", -0.1)],
    "adadelta": [("lr", -1.0), ("rho", 1.5), ("rho", -0.1), ("eps", -1e-6), ("weight_decay", -0.1)],
    "asgd": [("lr", -0.01), ("weight_decay", -0.1)],
    "rprop": [("lr", -0.01), ("etas", (1.5, 1.2)), ("etas", (0.5, 0.9))],
}
# a complete valid construction of each scheduler, and the bad values drawn for one of its options
BAD_SCHED = {
    "LinearLR": (dict(start_factor=0.5, end_factor=1.0, total_iters=4),
                 [("start_factor", 1.5), ("start_factor", 0.0), ("end_factor", 1.5), ("end_factor", -0.5)]),
    "ConstantLR": (dict(factor=0.5, total_iters=3), [("factor", 1.5), ("factor", -0.5)]),
    "CosineAnnealingWarmRestarts": (dict(T_0=3, T_mult=1, eta_min=0.0), [("T_0", 0), ("T_mult", 0)]),
    "ReduceLROnPlateau": (dict(mode="min", factor=0.5, patience=1, threshold=1e-4, threshold_mode="rel", cooldown=0,
                               min_lr=0.0, eps=1e-8), [("factor", 1.0), ("mode", "foo"), ("threshold_mode", "bar")]),
    "OneCycleLR": (dict(max_lr=0.1, total_steps=10, pct_start=0.3, anneal_strategy="cos", cycle_momentum=False,
                        base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False),
                   [("total_steps", 0), ("pct_start", 1.5), ("anneal_strategy", "x")]),
}
LINEAR_START_2X = "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
BUILTIN_CLS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
               "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad, "adamax": torch.optim.Adamax,
               "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam, "adadelta": torch.optim.Adadelta,
               "asgd": torch.optim.ASGD, "rprop": torch.optim.Rprop}


def draw_sched(rng, pr):
    """A scheduler spec list [spec, children...] over pr.opt (round 13's forms, with more of ReduceLROnPlateau's and
    CosineAnnealingWarmRestarts' options)."""
    name = pr.name
    has_mom = name in ("sgd",) and all(g["momentum"] > 0 for g in pr.opt.param_groups)
    has_betas = name in ("adam", "adamw", "adamax", "nadam", "radam")
    kind = rng.choice(F5.SIMPLE + ["CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts", "OneCycleLR",
                                   "CyclicLR", "ReduceLROnPlateau", "ReduceLROnPlateau", "SequentialLR",
                                   "ChainedScheduler"])
    if pr.scheds and kind in ("OneCycleLR", "CyclicLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"):
        kind = rng.choice(F5.SIMPLE)
    if kind in F5.SIMPLE or kind == "CosineAnnealingWarmRestarts":
        _, spec = F5.rand_child(R(rng), _Scratch(pr.opt), [kind])
        return [spec]
    if kind == "OneCycleLR":
        o = dict(max_lr=rng.choice([0.5, 0.05]), total_steps=rng.choice([8, 12, 20]),
                 pct_start=rng.choice([0.3, 0.1, 0.5]), anneal_strategy=rng.choice(["cos", "linear"]),
                 cycle_momentum=(has_mom or has_betas) and rng.random() < 0.6, base_momentum=rng.choice([0.85, 0.5]),
                 max_momentum=rng.choice([0.95, 0.9]), div_factor=rng.choice([25.0, 4.0]),
                 final_div_factor=rng.choice([1e4, 50.0]), three_phase=rng.random() < 0.4)
    elif kind == "CyclicLR":
        o = dict(base_lr=rng.choice([0.01, 0.001]), max_lr=rng.choice([0.1, 0.05]), step_size_up=rng.randint(1, 4),
                 step_size_down=rng.choice([None, 2, 3]), mode=rng.choice(["triangular", "triangular2", "exp_range"]),
                 gamma=rng.choice([1.0, 0.9, 0.99]), cycle_momentum=has_mom and rng.random() < 0.6,
                 base_momentum=rng.choice([0.8, 0.5]), max_momentum=rng.choice([0.9, 0.95]))
    elif kind == "ReduceLROnPlateau":
        o = dict(mode=rng.choice(["min", "max"]), factor=rng.choice([0.1, 0.5, 0.9]), patience=rng.randint(0, 2),
                 threshold=rng.choice([1e-4, 0.1, 0.0, 0.5]), threshold_mode=rng.choice(["rel", "abs"]),
                 cooldown=rng.randint(0, 2), min_lr=rng.choice([0.0, 0.001, 0.02]), eps=rng.choice([1e-8, 0.01]))
    else:
        n = rng.randint(2, 3)
        kids = [F5.rand_child(R(rng), _Scratch(pr.opt), F5.SIMPLE)[1] for _ in range(n)]
        if kind == "SequentialLR":
            ms = sorted(rng.sample(range(1, 8), n - 1))
            return ["SequentialLR milestones=%s n=%d" % (",".join(map(str, ms)), n)] + kids
        return ["ChainedScheduler n=%d" % n] + kids
    return [kind + "".join(" %s=%s" % (a, ",".join(repr(x) for x in v) if isinstance(v, list) else repr(v))
                           for a, v in o.items())]


def _Scratch(opt):
    """A throwaway optimizer of opt's group count, for F5.rand_child to build its candidate over (only the spec is kept;
    the real scheduler is built from it over the program's optimizer)."""
    ws = [torch.zeros(1, requires_grad=True) for _ in opt.param_groups]
    return torch.optim.SGD([{"params": [w]} for w in ws], lr=0.1)


def build_sched(spec, opt):
    """round 13's build_sched, with 2.x's CyclicLR: cycle_momentum stores max_momentum and base_momentum in every group
    (before the scheduler's initial_lr; 1.13 stores neither)."""
    s = R13.build_sched(spec, opt)
    if isinstance(s, LS.CyclicLR) and s.cycle_momentum:
        for g, mx, b in zip(opt.param_groups, s.max_momentums, s.base_momentums):
            init = g.pop("initial_lr")
            g["max_momentum"] = mx
            g["base_momentum"] = b
            g["initial_lr"] = init
    return s


def build_scheds(pr, opt):
    return [build_sched(spec, opt) for spec in pr.sspecs]


def fresh(pr):
    """An optimizer of pr's construction over its parameters, the groups added so far added again."""
    return make_opt(pr, pr.ps, pr.groups, pr.added)


def program(k, rng):
    pr = Prog(rng, k)
    lines = pr.lines
    name = rng.choice(NAMES)
    pr.name = name
    n = rng.randint(1, 3)
    shapes = [(2, 3), (3,), (4,), (2, 2), (1,)]
    for i in range(n):
        sh = rng.choice(shapes)
        rg = 0 if (i > 0 and rng.random() < 0.2) else 1
        numel = 1
        for d in sh:
            numel *= d
        p = torch.tensor([round(rng.uniform(-2, 2), 3) for _ in range(numel)], dtype=torch.float64).reshape(sh)
        p.requires_grad_(bool(rg))
        pr.ps.append(p)
        lines.append("par %d %d %s %s" % (i, rg, shape_s(p), csv(p)))
    pr.kw = rand_opts(rng, name)
    pr.flags = {} if name == "lbfgs" else rand_flags(rng, name)
    if name == "lbfgs":
        # L-BFGS: every parameter requires grad (its flat views need gradients)
        for p in pr.ps:
            p.requires_grad_(True)
        lines[:] = [l[:6] + "1" + l[7:] if l.startswith("par") else l for l in lines]
    lines.append("opt %s %s" % (name, fmt_kw(dict(pr.kw, **pr.flags))))
    if name != "lbfgs" and n >= 2 and rng.random() < 0.4:
        cut = rng.randint(1, n - 1)
        o1 = rand_opts(rng, name)
        o1.pop("initial_accumulator_value", None)
        pr.groups = [(list(range(cut)), {}), (list(range(cut, n)), o1)]
        for idx, o in pr.groups:
            lines.append("grp %s %s" % (",".join(map(str, idx)), fmt_kw(o)))
    pr.opt = make_opt(pr, pr.ps, pr.groups, [])
    in_groups = set(range(n))
    nst = rng.randint(4, 10)
    for _ in range(nst):
        choices = ["grad", "loss", "step", "step", "zero", "sd", "load", "badopt", "sched", "sstep", "sstep", "ckpt",
                   "addg", "stepc", "badload", "epochs", "badself", "badsched"]
        if name == "lbfgs":
            choices = ["stepc", "stepc", "zero", "sd", "load", "sched", "sstep", "ckpt", "grad", "badload", "epochs",
                       "badself", "badsched"]
        st = rng.choice(choices)
        if st in ("sstep", "epochs") and not pr.scheds:
            st = "sched"
        if st == "sched" and len(pr.scheds) >= 2:
            st = "sstep"
        if st == "sched" and name == "lbfgs" and pr.scheds:
            st = "sstep"
        if st == "addg" and name == "adagrad":
            st = "step"
        before = len(lines)
        if not statement(pr, st, in_groups):
            continue
        if name == "lbfgs" and (any(l.startswith("err ZeroDivisionError") for l in lines[before:]) or converged(pr)):
            # L-BFGS's strong Wolfe search over a step length of 0 (a schedule's lr 0) divides by zero in PyTorch
            # (round 13 leaves these out too): the program ends before this statement
            del lines[before:]
            break
        if st in ("sstep", "epochs", "ckpt") and lines[-2].startswith("err "):
            # a scheduler whose step failed (ConstantLR's factor 0 at total_iters: ZeroDivisionError): PyTorch has
            # counted the epoch before get_lr failed, Ember's refused step changes nothing, so the schedules part here
            break
    return lines


def converged(pr):
    """Whether L-BFGS has reached the loss's minimum (every gradient below 1e-4): its later steps move the parameters by
    rounding noise that the line search and the curvature pairs amplify (1e-10 relative after a dozen steps), so the
    program ends before the statement that got there."""
    gs = [p.grad for p in pr.ps if p.grad is not None]
    return bool(gs) and max(float(g.abs().max()) for g in gs) < 1e-4


def closure_of(pr):
    """The closure of stepc: zero_grad(set_to_none=True), the loss, backward, the loss returned."""
    def closure():
        pr.opt.zero_grad(set_to_none=True)
        L = loss_fn(pr.ps)
        L.backward()
        return L
    return closure


def metric_sequence(rng, n):
    """Metrics fed to ReduceLROnPlateau: a falling run, a flat run, a rising run or noise, so that patience, threshold
    and cooldown all matter."""
    kind = rng.choice(["fall", "flat", "rise", "noise", "fallflat"])
    v = rng.choice([1.0, 2.0, 0.5])
    out = []
    for e in range(n):
        if kind == "fall" or (kind == "fallflat" and e < n // 2):
            v = v * rng.choice([0.99, 0.95, 0.9999, 0.8])
        elif kind == "rise":
            v = v * rng.choice([1.01, 1.05, 1.0001])
        elif kind == "noise":
            v = v + rng.choice([-0.1, 0.1, 0.0, -0.01, 0.01])
        out.append(round(v, 6))
    return out


def stmt_out(pr, text, fn):
    """Runs fn (which returns result lines or None), writes the statement, its outcome and the state."""
    lines = pr.lines
    lines.append("s " + text)
    try:
        res = fn()
        if res:
            lines.extend(res)
    except Exception as e:  # noqa: BLE001  (PyTorch's refusal is the expected outcome)
        lines.append(err_line(e))
    lines.append(state_line(pr))
    return True


def statement(pr, st, in_groups):
    rng = pr.rng
    ps = pr.ps
    if st == "grad":
        i = rng.randrange(len(ps))
        if rng.random() < 0.2:
            def f():
                ps[i].grad = None
            return stmt_out(pr, "grad %d none" % i, f)
        vals = torch.tensor([round(rng.uniform(-1, 1), 3) for _ in range(ps[i].numel())],
                            dtype=torch.float64).reshape(ps[i].shape)

        def f():
            ps[i].grad = vals.clone()
        return stmt_out(pr, "grad %d %s" % (i, csv(vals)), f)
    if st == "loss":
        def f():
            L = loss_fn(ps)
            L.backward()
            return ["r " + r12(L.item())]
        return stmt_out(pr, "loss", f)
    if st == "step":
        if all(p.grad is None for p in ps) and rng.random() < 0.7:
            statement(pr, "loss", in_groups)

        def f():
            pr.opt.step()
        return stmt_out(pr, "step", f)
    if st == "stepc":
        def f():
            L = pr.opt.step(closure_of(pr))
            return ["r " + r12(float(L))]
        return stmt_out(pr, "stepc", f)
    if st == "zero":
        b = rng.random() < 0.5

        def f():
            pr.opt.zero_grad(set_to_none=b)
        return stmt_out(pr, "zero %d" % int(b), f)
    if st == "sd":
        return stmt_out(pr, "sd", lambda: sd_lines(pr, pr.opt))
    if st == "load":
        def f():
            sd = pr.opt.state_dict()
            o2 = fresh(pr)
            o2.load_state_dict(sd)
            o2._given = pr.opt._given
            # the schedulers go on over the old optimizer object in PyTorch; not drawn with schedulers alive
            pr.opt = o2
        if pr.scheds:
            return statement(pr, "ckpt", in_groups)
        return stmt_out(pr, "load", f)
    if st == "badload":
        kind = rng.choice(["n", "s"])
        oname, spec = badload_spec(pr, kind)
        desc = ";".join(",".join(map(str, idx)) for idx in spec)

        def f():
            sd = pr.opt.state_dict()
            qs = [p.detach().clone().requires_grad_(True) for p in ps]
            groups = [{"params": [qs[i] for i in idx]} for idx in spec]
            if oname in R13.BUILTIN:
                other = R13.BUILTIN[oname](groups, foreach=False)
            else:
                other = R13.Opt2x(groups, oname, {})
            other.load_state_dict(sd)
        return stmt_out(pr, "badload %s %s" % (oname, desc), f)
    if st == "badself":
        oname, spec = badload_spec(pr, rng.choice(["n", "s"]))
        desc = ";".join(",".join(map(str, idx)) for idx in spec)

        def f():
            qs = [p.detach().clone().requires_grad_(True) for p in ps]
            groups = [{"params": [qs[i] for i in idx]} for idx in spec]
            if oname in R13.BUILTIN:
                other = R13.BUILTIN[oname](groups, foreach=False)
            else:
                other = R13.Opt2x(groups, oname, {})
            pr.opt.load_state_dict(other.state_dict())
        return stmt_out(pr, "badself %s %s" % (oname, desc), f)
    if st == "badsched":
        kind = rng.choice(sorted(BAD_SCHED))
        key, v = rng.choice(BAD_SCHED[kind][1])
        o = dict(BAD_SCHED[kind][0])
        o[key] = v
        spec = kind + "".join(" %s=%r" % (a, x) for a, x in o.items())

        def f():
            if kind == "LinearLR" and key == "start_factor" and v == 0:
                # 2.x refuses a start factor of 0 (1.13 takes it)
                raise ValueError(LINEAR_START_2X)
            build_sched([spec], pr.opt)
        return stmt_out(pr, "badsched " + spec, f)
    if st == "badopt":
        bname = pr.name if pr.name != "lbfgs" else rng.choice(sorted(BAD))
        k, v = rng.choice(BAD[bname])
        kw = {k: v}
        if k == "nesterov":
            kw = dict(lr=0.1, nesterov=True, momentum=rng.choice([0.0, 0.9]), dampening=rng.choice([0.0, 0.5]))
            if kw["momentum"] > 0 and kw["dampening"] == 0:
                kw["dampening"] = 0.5
        elif "lr" not in kw and bname == "sgd":
            kw["lr"] = 0.1

        def f():
            BUILTIN_CLS[bname](list(ps), **kw)
        return stmt_out(pr, "badopt %s %s" % (bname, fmt_kw(kw)), f)
    if st == "addg":
        idx = sorted(rng.sample(range(len(ps)), rng.randint(1, len(ps))))
        fresh_idx = [i for i in range(len(ps)) if i not in in_groups]
        if fresh_idx and rng.random() < 0.7:
            idx = fresh_idx
        o = {}
        if rng.random() < 0.7:
            o = rand_opts(rng, pr.name)
            o.pop("initial_accumulator_value", None)
            for key in list(o):
                if rng.random() < 0.4:
                    del o[key]

        def f():
            pr.opt.add_param_group(dict({"params": [ps[i] for i in idx]}, **o))
            pr.opt._given.append(list(o.keys()))
            pr.added.append((idx, o))
            in_groups.update(idx)
        if pr.scheds:
            return False  # a group added under a live scheduler: round 13 covers it
        return stmt_out(pr, "addg %s %s" % (",".join(map(str, idx)), fmt_kw(o)), f)
    if st == "sched":
        spec = draw_sched(rng, pr)

        def f():
            s = build_sched(spec, pr.opt)
            pr.scheds.append(s)
            pr.sspecs.append(spec)
            return [lr_result(pr)]
        return stmt_out(pr, "sched " + " | ".join(spec), f)
    if st == "sstep":
        arg = None
        if any(isinstance(s, LS.ReduceLROnPlateau) for s in pr.scheds):
            arg = round(rng.uniform(0, 2), 2) if rng.random() < 0.7 else 1.0
        elif any(isinstance(s, LS.CosineAnnealingWarmRestarts) for s in pr.scheds) and len(pr.scheds) == 1 \
                and rng.random() < 0.5:
            last = pr.scheds[0].last_epoch
            arg = round(last + rng.choice([0.25, 0.5, 1.0, 1.5, 0.1]), 2)

        def f():
            for s in pr.scheds:
                if arg is None or not isinstance(s, (LS.ReduceLROnPlateau, LS.CosineAnnealingWarmRestarts)):
                    s.step()
                else:
                    s.step(arg)
            return [lr_result(pr)]
        return stmt_out(pr, "sstep" + ("" if arg is None else " " + r12(arg)), f)
    if st == "epochs":
        ne = rng.randint(3, 12)
        plateau = any(isinstance(s, LS.ReduceLROnPlateau) for s in pr.scheds)
        ms = metric_sequence(rng, ne) if plateau else None

        def f():
            out = []
            for e in range(ne):
                if pr.name == "lbfgs":
                    out.append("r " + r12(float(pr.opt.step(closure_of(pr)))))
                else:
                    pr.opt.step()
                for s in pr.scheds:
                    if isinstance(s, LS.ReduceLROnPlateau):
                        s.step(ms[e])
                    else:
                        s.step()
                out.append(lr_result(pr))
            return out
        return stmt_out(pr, "epochs %d%s" % (ne, "" if ms is None else " " + ",".join(r12(m) for m in ms)), f)
    if st == "ckpt":
        def f():
            sd = pr.opt.state_dict()
            ssd = [R13.sched_state(s) for s in pr.scheds]
            o2 = fresh(pr)
            s2 = build_scheds(pr, o2)
            o2.load_state_dict(sd)
            o2._given = pr.opt._given
            for s, d in zip(s2, ssd):
                s.load_state_dict(d)
            pr.opt, pr.scheds = o2, s2
            return [lr_result(pr)]
        return stmt_out(pr, "ckpt", f)
    raise AssertionError(st)


def badload_spec(pr, kind):
    """(optimizer name, groups as index lists) of another grouping of the parameters than pr.opt's: n with a group
    more or less, s with the first group's size changed."""
    n = len(pr.ps)
    ng = len(pr.opt.param_groups)
    if pr.name == "lbfgs":
        return "sgd", [list(range(n)), []]
    if kind == "n":
        if ng == 1:
            return pr.name, [list(range(n)), []]
        return pr.name, [list(range(n))]
    first = len(pr.opt.param_groups[0]["params"])
    if first > 1:
        return pr.name, [list(range(first - 1))] + [[] for _ in range(ng - 1)]
    if n > 1:
        return pr.name, [[0, 1]] + [[] for _ in range(ng - 1)]
    return pr.name, [[]] + [[] for _ in range(ng - 1)]


def main():
    rng = random.Random(SEED)
    out = []
    for k in range(NCASES):
        r = random.Random(rng.randrange(1 << 30))
        torch.manual_seed(k)
        lines = program(k, r)
        out.append("=== r27_%d P %d" % (k, len(lines)))
        out.extend(lines)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
