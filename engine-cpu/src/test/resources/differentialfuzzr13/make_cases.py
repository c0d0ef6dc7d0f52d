# Differential fuzz, round 13 (DifferentialFuzzR13Test.java, replayed by FuzzR13Training.java): whole training programs
# with state. Each case is a random program: a small model (a Sequential of Linear, Conv1d/2d, BatchNorm1d/2d, LayerNorm,
# Embedding, LSTM/GRU, Dropout(p=0), Tanh/ReLU, Flatten and two parameterless pseudo-layers, "Mean1" = x.mean(1) and
# "Last" = x[:, -1], which sit in the Sequential as nn.Identity so that the state_dict keys are PyTorch's), one optimizer
# (SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop, LBFGS with a closure, SparseAdam
# (whose model is a sparse Embedding alone) with one or two
# parameter groups of their own options and possibly layers held back for add_param_group, optionally a scheduler
# (every round-5 configuration: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts,
# LinearLR, ConstantLR, PolynomialLR, LambdaLR/MultiplicativeLR with fixed lambdas, OneCycleLR, CyclicLR,
# ReduceLROnPlateau fed the loss, SequentialLR, ChainedScheduler), then 5-15 events:
#   step <b>            forward on batch b, loss, backward, optimizer.step() (LBFGS: step(closure) whose closure zeroes
#                       the gradients (set_to_none) and runs forward/backward on batch b), scheduler.step() (ReduceLROnPlateau:
#                       step(loss)); "r loss <v>"
#   accum <b1> <b2>     gradient accumulation: (loss(b1) / 2).backward(), (loss(b2) / 2).backward(), optimizer.step(),
#                       scheduler.step(); "r loss <v1> <v2>"
#   fb <b>              forward and backward only; "r loss <v>"
#   zero <o|m> <0|1>    optimizer.zero_grad(set_to_none) or model.zero_grad(set_to_none)
#   clipn <max> <type>  clip_grad_norm_(model.parameters(), max, type) (type inf included); "r norm <v>"
#   clipv <v>           clip_grad_value_(model.parameters(), v)
#   train / eval        model.train() / model.eval()
#   freeze <k> <0|1>    model[k].requires_grad_(bool): a frozen parameter keeps its old gradient (None, or a tensor the
#                       optimizer still steps)
#   addgroup            optimizer.add_param_group of the held-back layers' parameters with the "g2" options
#   ockpt               optimizer.state_dict() (and the scheduler's) loaded into a fresh optimizer (and scheduler) of the
#                       same construction over the same parameters (groups added so far added again first)
#   ckpt <0|1>          the checkpoint {"model", "optim"[, "sched"]} loaded into a fresh model (all parameters requiring
#                       grad, train mode, no gradients), a fresh optimizer and scheduler over it; 1: through
#                       torch.save/torch.load (Ember: TorchSerialization.save/load of its own dict)
#   ckpt32              as ckpt 0 into a float32 model (float64 programs): training resumes in float32, its data
#                       float32 too (the replay's tolerance becomes float32's)
#   lr <g> <v>          param_groups[g]["lr"] = v by hand
#   hp <g> <key> <v>    another option of a group set by hand (weight_decay, momentum, dampening, betas, eps, maximize,
#                       alpha, lr_decay, momentum_decay, rho, lambd, etas: HP below)
#   mswap               the model replaced by a fresh one loaded from its state_dict while the optimizer and scheduler
#                       are kept (they go on with the old parameters, which no longer get gradients)
#   msave / mload       keep = model.state_dict() (no copy: its tensors are the live parameters and buffers, so later
#                       in-place updates show in it) / model.load_state_dict(keep) into the current model
#   osave / oload       keep = optimizer.state_dict() (its per-parameter dicts are the live state's own, so the kept
#                       dict follows later steps, integer steps and L-BFGS's counters included, until a load replaces
#                       them) / the current optimizer loads it: 2.x's load shares the kept tensors (see
#                       _load_state_dict_2x), so a second oload loads what the first one made live; PyTorch's refusals
#                       (a group added since) are "e <Type> <msg>" lines after the event, and the program goes on
#   nograd <b>          the loss of batch b under torch.no_grad() (BatchNorm in train mode still updates its running
#                       statistics); "r loss <v>"
# After EVERY event the state is compared through four category lines, written only when they changed since the last
# one of their kind (the replay keeps the last one of each and compares all four after every event):
#   P <crc> <chk>   the model's state_dict (parameters and buffers)
#   G <crc> <chk>   every parameter's gradient (None or a tensor)
#   S <crc> <chk>   the optimizer state_dict()["state"] (every index, key and value: tensors, numbers, lists)
#   L <v>,<v>;<v>   every group's lr; after ";" the scheduler's get_last_lr() (none for ReduceLROnPlateau)
# <crc> is the CRC-32 (hex) of the structure: "key=descriptor" entries joined by "|", a descriptor being "T<dtype>#<numel>"
# for a tensor, "N" for a number, "L<len>" for a list, "None"; <chk> = sum over the numeric entries j (in that order, a
# number or each tensor element k in row-major order) of x * (1 + ((7 k) mod 13) / 8) * (1 + (j mod 5) / 4), printed
# with 13 significant digits; the replay compares it to its own within a tolerance relative to the same sum of |x|.
# P keys "p.<state_dict key>", G keys "g.<parameter name>", S keys "s<index>.<state key>" in index then key order (a list
# of tensors, LBFGS's history, contributes its tensors as "s<i>.<key>.<n>").
# FUZZ_VERBOSE=1 writes every entry as its own line ("V <key> <descriptor> <chk>") after each event instead, to locate a
# mismatch (the replay ignores V lines); FUZZ_ONLY=<id> keeps one case.
#
# Inputs are not drawn by PyTorch: every parameter, every input batch and target is filled by a 31-bit LCG (gen below,
# the same in the Java replay) with values that are multiples of 2^-22, exact in float32 and float64, so the case file
# needs no tensors. Parameter i (named_parameters order, names listed on the "pn" line) takes seed*1000 + 7 i + 1; a
# norm layer's weight is 1 + v / 4, every other parameter v / 2. Batch b: x from seed*1000 + 500 + 3 b, y (or class
# targets, or embedding indices) from seed*1000 + 501 + 3 b.
#
# 1.13 vs 2.x (Ember follows 2.x):
# - SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam and RAdam step through ../training/pytorch2_updates.py (2.x's
#   single-tensor updates, transcribed and checked there) inside a torch.optim.Optimizer subclass (Opt2x), so that
#   state_dict, load_state_dict, add_param_group and zero_grad are the base class's (1.13's casting on load is 2.x's:
#   every state tensor but "step" to the parameter's dtype); maximize negates the gradient first, as 2.x. 2.x's SGD keeps
#   no state entry without momentum (2.2+), Adagrad makes its state in the constructor. step is a float32 0-dim tensor.
# - Adadelta, ASGD, Rprop and LBFGS are 1.13's built-ins (foreach=False), whose single-tensor updates 2.x keeps; 1.13's
#   Adadelta/Rprop count steps in a Python int, 2.x in a float32 tensor incremented in place: made one after each
#   step (_tensor_steps), so that state dicts share it as 2.x's.
# - zero_grad's set_to_none is always given (the defaults differ: 1.13 False, 2.x True).
# - ReduceLROnPlateau has no get_last_lr in 1.13: its L line has the groups' lrs only; 2.x's _reduce_lr (a group added
#   later takes the scalar min_lr, where 1.13 fails with IndexError) is patched in (_reduce_lr_2x).
# - load_state_dict is 2.x's (_load_state_dict_2x): the loaded optimizer shares the saved tensors that need no cast.
# - An event PyTorch refuses writes "e <Type> <message>" after its "ev" line (an oload after add_param_group, a
#   OneCycleLR step over a group added without max_lr: KeyError) and the program goes on; Ember's wording of a KeyError
#   is "KeyError: '<key>'".
# - A scheduler that fails in a step (ConstantLR's factor 0 at total_iters, OneCycleLR over a group added without
#   max_lr) ends the program after its "e" line: PyTorch has counted the epoch before get_lr failed, Ember's failed
#   step changes nothing (the engine's rule for bad input), so the schedules part there.
# Left out (each with a comment where it is drawn): add_param_group with Adagrad (2.x's Adagrad makes state in its
# constructor only, so a later group fails with KeyError) and with LBFGS (one group only); RMSprop's momentum set by hand (2.x
# fails with KeyError 'momentum_buffer' after updating the groups before; Ember refuses before any); L-BFGS
# programs whose step PyTorch fails (lr 0 from a schedule: the strong Wolfe interpolation divides by zero), that reach
# a loss below 1e-4, or that have a BatchNorm (closure-call counts hang on last bits); Dropout with p > 0 in train mode
# (random); clipping sparse gradients.
# Known noise of a local hunt: L-BFGS's strong Wolfe search can creep along a flat valley, each step bounded below by
# t + 0.01 (t - t_prev), until f_new >= f_prev holds on the last bits of two losses, so its number of closure calls
# (func_evals) and at times its step length hang on rounding; hunts of 2500 programs find 1-4 such L-BFGS programs
# (seeds 1313, 2626, 4040, 5151), the committed seed none.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr13 && /usr/bin/python3 make_cases.py > cases.txt
# A layer followed by a BatchNorm is built without bias ("nb" at the end of its layer line), see draw_model.
#   (PyTorch 1.13, CPU; seed 13; FUZZ_SEED / FUZZ_CASES draw another or a larger set for a local hunt)
import copy
import importlib.util
import io
import math
import os
import random
import sys
import warnings
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")
torch.set_default_dtype(torch.float32)
SEED = int(os.environ.get("FUZZ_SEED", "13"))
NCASES = int(os.environ.get("FUZZ_CASES", "300"))
VERBOSE = os.environ.get("FUZZ_VERBOSE") == "1"
ONLY = os.environ.get("FUZZ_ONLY")

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("fuzz5_make_cases", os.path.join(HERE, "..", "fuzz5", "make_cases.py"))
F5 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(F5)
U = F5.U

# ------------------------------------------------------------------------------------------------ exact inputs


def gen(seed, n):
    s = seed & 0x7FFFFFFF
    out = []
    for _ in range(n):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((s >> 8) / 8388608.0 * 2.0 - 1.0)
    return out


def fill(seed, shape, dtype):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor(gen(seed, n), dtype=torch.float64).reshape(shape).to(dtype)


# ------------------------------------------------------------------------------------------------------ models

NORMS = ("BatchNorm1d", "BatchNorm2d", "LayerNorm")


def draw_model(rng, fam=None):
    """(family, layer specs, input spec, output width)."""
    fam = fam or rng.choice(["mlp", "mlp", "conv1d", "conv2d", "emb", "rnn"])
    act = lambda: rng.choice(["Tanh", "ReLU"])  # noqa: E731
    drop = lambda: ["Dropout"] if rng.random() < 0.3 else []  # noqa: E731
    out = rng.choice([2, 3])
    if fam == "mlp":
        h = rng.choice([3, 5])
        norm = rng.choice([["BatchNorm1d %d" % h], ["LayerNorm %d" % h], []])
        layers = ["Linear 4 %d" % h] + norm + [act()] + drop() + ["Linear %d %d" % (h, out)]
        if rng.random() < 0.3:
            layers = layers[:-1] + ["Linear %d %d" % (h, h), act(), "Linear %d %d" % (h, out)]
        inp = ("x", [4, 4])
    elif fam == "conv1d":
        pad = rng.choice([0, 1])
        lo = 6 - 3 + 1 + 2 * pad
        layers = ["Conv1d 2 3 3 %d" % pad] + (["BatchNorm1d 3"] if rng.random() < 0.5 else []) + [act(), "Flatten"] \
            + drop() + ["Linear %d %d" % (3 * lo, out)]
        inp = ("x", [3, 2, 6])
    elif fam == "conv2d":
        layers = ["Conv2d 2 3 3 1"] + (["BatchNorm2d 3"] if rng.random() < 0.5 else []) + [act(), "Flatten",
                                                                                           "Linear 48 %d" % out]
        inp = ("x", [2, 2, 4, 4])
    elif fam == "embs":
        # SparseAdam's model: a sparse Embedding alone (SparseAdam refuses dense gradients)
        out = 4
        layers = ["Embedding 8 4 sparse", "Mean1"]
        inp = ("i", [3, 4])
    elif fam == "emb":
        layers = ["Embedding 8 4", "Mean1"] + (["LayerNorm 4"] if rng.random() < 0.5 else []) + drop() + [
            "Linear 4 %d" % out]
        inp = ("i", [3, 4])
    else:
        cell = rng.choice(["LSTM", "GRU"])
        layers = ["%s 3 4" % cell, "Last"] + ([act()] if rng.random() < 0.4 else []) + ["Linear 4 %d" % out]
        inp = ("x", [2, 3, 3])
    # a layer right before a BatchNorm has no bias (as real networks are built): in train mode its bias's gradient is
    # zero in exact arithmetic, so its computed value is rounding noise of either sign, which Rprop's sign test and
    # Adam-like updates (g / sqrt(g^2)) turn into full steps in a direction chance picks
    for i in range(len(layers) - 1):
        if layers[i + 1].startswith("BatchNorm") and layers[i].split()[0] in ("Linear", "Conv1d", "Conv2d"):
            layers[i] += " nb"
    return fam, layers, inp, out


def make_layer(spec):
    w = spec.split()
    bias = w[-1] != "nb"
    k, a = w[0], [int(x) for x in w[1:] if x not in ("nb", "sparse")]
    if k == "Embedding" and w[-1] == "sparse":
        return nn.Embedding(a[0], a[1], sparse=True)
    if k == "Linear":
        return nn.Linear(a[0], a[1], bias=bias)
    if k == "BatchNorm1d":
        return nn.BatchNorm1d(a[0])
    if k == "BatchNorm2d":
        return nn.BatchNorm2d(a[0])
    if k == "LayerNorm":
        return nn.LayerNorm(a[0])
    if k == "Conv1d":
        return nn.Conv1d(a[0], a[1], a[2], padding=a[3], bias=bias)
    if k == "Conv2d":
        return nn.Conv2d(a[0], a[1], a[2], padding=a[3], bias=bias)
    if k == "Embedding":
        return nn.Embedding(a[0], a[1])
    if k == "LSTM":
        return nn.LSTM(a[0], a[1], batch_first=True)
    if k == "GRU":
        return nn.GRU(a[0], a[1], batch_first=True)
    if k == "Tanh":
        return nn.Tanh()
    if k == "ReLU":
        return nn.ReLU()
    if k == "Dropout":
        return nn.Dropout(0.0)
    if k == "Flatten":
        return nn.Flatten()
    return nn.Identity()  # Mean1, Last


def build_model(layers, dtype):
    m = nn.Sequential(*[make_layer(s) for s in layers]).to(dtype)
    return m


def init_model(m, layers, seed):
    with torch.no_grad():
        for i, (name, p) in enumerate(m.named_parameters()):
            v = fill(seed * 1000 + 7 * i + 1, p.shape, p.dtype)
            idx = int(name.split(".")[0])
            if layers[idx].split()[0] in NORMS and name.endswith("weight"):
                p.copy_(1 + v / 4)
            else:
                p.copy_(v / 2)


def forward(m, layers, x):
    for i, s in enumerate(layers):
        k = s.split()[0]
        if k == "Mean1":
            x = x.mean(1)
        elif k == "Last":
            x = x[:, -1]
        elif k in ("LSTM", "GRU"):
            x = m[i](x)[0]
        else:
            x = m[i](x)
    return x


def batch(seed, b, inp, dtype, out, loss_kind):
    kind, shape = inp
    xs = seed * 1000 + 500 + 3 * b
    if kind == "i":
        x = ((fill(xs, shape, torch.float64) + 1) * 4).floor().long().clamp(0, 7)
    else:
        x = fill(xs, shape, dtype)
    n = shape[0]
    if loss_kind == "ce":
        y = ((fill(xs + 1, [n], torch.float64) + 1) * out / 2).floor().long().clamp(0, out - 1)
    else:
        y = fill(xs + 1, [n, out], dtype)
    return x, y


def loss_of(m, layers, xy, loss_kind):
    x, y = xy
    o = forward(m, layers, x)
    return F.cross_entropy(o, y) if loss_kind == "ce" else F.mse_loss(o, y)


# -------------------------------------------------------------------------------------------------- optimizers

def _load_state_dict_2x(self, state_dict):
    """2.x's Optimizer.load_state_dict (torch/optim/optimizer.py, hooks left out): a shallow copy of the dict, the saved
    groups deep-copied, and every state tensor through _process_value_according_to_param_policy: "step" as it is,
    another tensor .to(param's dtype and device) where the parameter is floating, which is the saved tensor itself
    where nothing changes. So the loaded optimizer shares the saved dict's tensors (1.13 deep-copies the whole dict)."""
    from itertools import chain
    from collections import defaultdict
    from collections.abc import Iterable
    state_dict = state_dict.copy()
    groups = self.param_groups
    saved_groups = copy.deepcopy(state_dict["param_groups"])
    if len(groups) != len(saved_groups):
        raise ValueError("loaded state dict has a different number of parameter groups")
    param_lens = (len(g["params"]) for g in groups)
    saved_lens = (len(g["params"]) for g in saved_groups)
    if any(p_len != s_len for p_len, s_len in zip(param_lens, saved_lens)):
        raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
    id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                      chain.from_iterable(g["params"] for g in groups)))

    def process(param, value, key):
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def _cast(param, value, key=None):
        if isinstance(value, torch.Tensor):
            return process(param, value, key)
        elif isinstance(value, dict):
            return {k: _cast(param, v, key=k) for k, v in value.items()}
        elif isinstance(value, Iterable):
            return type(value)(_cast(param, v) for v in value)
        else:
            return value

    state = defaultdict(dict)
    for k, v in state_dict["state"].items():
        if k in id_map:
            param = id_map[k]
            state[param] = _cast(param, v)
        else:
            state[k] = v

    def update_group(group, new_group):
        new_group["params"] = group["params"]
        return new_group
    param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
    self.__setstate__({"state": state, "param_groups": param_groups})


torch.optim.Optimizer.load_state_dict = _load_state_dict_2x


def _reduce_lr_2x(self, epoch):
    """2.x's ReduceLROnPlateau._reduce_lr: a group added after the scheduler was made takes the scalar min_lr (the only
    form drawn here; 2.x keeps it as default_min_lr), where 1.13 fails with IndexError."""
    if len(self.optimizer.param_groups) != len(self.min_lrs):
        self.min_lrs = [self.min_lrs[0]] * len(self.optimizer.param_groups)
    for i, param_group in enumerate(self.optimizer.param_groups):
        old_lr = float(param_group["lr"])
        new_lr = max(old_lr * self.factor, self.min_lrs[i])
        if old_lr - new_lr > self.eps:
            param_group["lr"] = new_lr


torch.optim.lr_scheduler.ReduceLROnPlateau._reduce_lr = _reduce_lr_2x

UPD = {"sgd": U.sgd_update, "adam": U.adam_update, "adamw": U.adam_update, "rmsprop": U.rmsprop_update,
       "adagrad": U.adagrad_update, "adamax": U.adamax_update, "nadam": U.nadam_update, "radam": U.radam_update}
def _tensor_steps(cls):
    """1.13's Rprop/Adadelta with 2.x's step: a float32 0-dim tensor, incremented in place (1.13 keeps a Python int,
    which a loaded optimizer does not share with the saved dict); their updates do not read it."""
    class TensorSteps(cls):
        def step(self, closure=None):
            loss = super().step(closure)
            for st in self.state.values():
                if isinstance(st.get("step"), int):
                    st["step"] = torch.tensor(float(st["step"]))
            return loss
    return TensorSteps


BUILTIN = {"adadelta": _tensor_steps(torch.optim.Adadelta), "asgd": torch.optim.ASGD,
           "rprop": _tensor_steps(torch.optim.Rprop)}
OPT_NAMES = ["sgd", "sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "radam", "adadelta", "asgd",
             "rprop", "lbfgs", "sparse_adam"]


class Opt2x(torch.optim.Optimizer):
    """2.x's single-tensor update of one optimizer (pytorch2_updates.py) under the 1.13 base class's bookkeeping."""

    def __init__(self, params, name, o):
        self.name = name
        d = dict(F5.O_DEFAULTS[name])
        d["maximize"] = False
        d.update(o)
        super().__init__(params, d)
        if name == "adagrad":
            for g in self.param_groups:
                for p in g["params"]:
                    st = {}
                    U.adagrad_init(g, p, st)
                    self.state[p] = st

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                st = self.state.get(p, {})
                grad = -p.grad if g.get("maximize", False) else p.grad
                UPD[self.name](g, p, grad, st)
                if len(st):
                    self.state[p] = st


def rand_options(r, name):
    if name == "lbfgs":
        return {}
    if name == "sparse_adam":
        rng = r.rng
        o = {"lr": rng.choice([0.1, 0.01, 0.5])}
        if rng.random() < 0.4:
            o["maximize"] = True
        o["betas"] = (rng.choice([0.9, 0.5, 0.0]), rng.choice([0.999, 0.9]))
        o["eps"] = rng.choice([1e-8, 1e-3])
        return o
    return F5.rand_options(r, name)


def make_optimizer(name, groups, o0, lb):
    """groups: [params of group 0] or [params of group 0, (params of group 1, its options)], both in the constructor."""
    if name == "lbfgs":
        return torch.optim.LBFGS(groups[0], lr=lb["lr"], max_iter=lb["max_iter"], history_size=lb["history_size"],
                                 line_search_fn=lb["line_search_fn"])
    spec = [{"params": groups[0]}]
    if len(groups) > 1:
        spec.append(dict(groups[1][1], params=groups[1][0]))
    if name == "sparse_adam":
        return torch.optim.SparseAdam(spec, **o0)
    if name in BUILTIN:
        kw = dict(o0)
        kw["foreach"] = False
        opt = BUILTIN[name](spec, **kw)
    else:
        opt = Opt2x(spec, name, o0)
    return opt


def add_group(opt, name, params, o):
    opt.add_param_group(dict(o, params=params))


# -------------------------------------------------------------------------------------------------- schedulers

def draw_sched(rng, r, opt, name):
    """(scheduler, spec lines) or (None, [])."""
    kind = rng.choice(F5.SIMPLE + ["CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR", "ReduceLROnPlateau",
                                   "SequentialLR", "ChainedScheduler"])
    LS = torch.optim.lr_scheduler
    has_mom = name in ("sgd", "rmsprop")
    has_betas = name in ("adam", "adamw", "adamax", "nadam", "radam")
    if kind in F5.SIMPLE + ["CosineAnnealingWarmRestarts"]:
        s, spec = F5.rand_child(r, opt, [kind])
        return s, [spec]
    if kind == "OneCycleLR":
        o = dict(max_lr=rng.choice([0.5, 0.05]), total_steps=rng.choice([16, 20, 30]),
                 pct_start=rng.choice([0.3, 0.1, 0.5]), anneal_strategy=rng.choice(["cos", "linear"]),
                 cycle_momentum=(has_mom or has_betas) and rng.random() < 0.6, base_momentum=rng.choice([0.85, 0.5]),
                 max_momentum=rng.choice([0.95, 0.9]), div_factor=rng.choice([25.0, 4.0]),
                 final_div_factor=rng.choice([1e4, 50.0]), three_phase=rng.random() < 0.4)
        s = LS.OneCycleLR(opt, **o)
    elif kind == "CyclicLR":
        o = dict(base_lr=rng.choice([0.01, 0.001]), max_lr=rng.choice([0.1, 0.05]), step_size_up=rng.randint(1, 6),
                 step_size_down=rng.choice([None, 2, 5]), mode=rng.choice(["triangular", "triangular2", "exp_range"]),
                 gamma=rng.choice([1.0, 0.9, 0.99]), cycle_momentum=has_mom and rng.random() < 0.6,
                 base_momentum=rng.choice([0.8, 0.5]), max_momentum=rng.choice([0.9, 0.95]))
        s = LS.CyclicLR(opt, **o)
    elif kind == "ReduceLROnPlateau":
        o = dict(mode=rng.choice(["min", "max"]), factor=rng.choice([0.1, 0.5, 0.9]), patience=rng.randint(0, 3),
                 threshold=rng.choice([1e-4, 0.1, 0.0]), threshold_mode=rng.choice(["rel", "abs"]),
                 cooldown=rng.randint(0, 2), min_lr=rng.choice([0.0, 0.001]), eps=rng.choice([1e-8, 0.01]))
        s = LS.ReduceLROnPlateau(opt, **o)
    else:
        n = rng.randint(2, 3)
        children = [F5.rand_child(r, opt, F5.SIMPLE) for _ in range(n)]
        if kind == "SequentialLR":
            ms = sorted(rng.sample(range(1, 12), n - 1))
            s = LS.SequentialLR(opt, [c for c, _ in children], milestones=ms)
            return s, ["SequentialLR milestones=%s n=%d" % (",".join(map(str, ms)), n)] + [sp for _, sp in children]
        s = LS.ChainedScheduler([c for c, _ in children])
        return s, ["ChainedScheduler n=%d" % n] + [sp for _, sp in children]
    return s, [kind + "".join(" %s=%s" % (a, ",".join(repr(x) for x in v) if isinstance(v, list) else repr(v))
                              for a, v in o.items())]


def build_sched(specs, opt):
    """The scheduler of spec lines (as FuzzR6Training.scheduler parses them) over opt."""
    LS = torch.optim.lr_scheduler
    w = specs[0].split(" ")
    kind = w[0]
    o = dict(x.split("=", 1) for x in w[1:])
    if kind in ("SequentialLR", "ChainedScheduler"):
        kids = [build_sched([sp], opt) for sp in specs[1:]]
        if kind == "SequentialLR":
            return LS.SequentialLR(opt, kids, milestones=[int(x) for x in o["milestones"].split(",")])
        return LS.ChainedScheduler(kids)
    if kind in ("LambdaLR", "MultiplicativeLR"):
        fns = [F5.LAMBDAS[n] for n in o["lambdas"].split(",")]
        return getattr(LS, kind)(opt, fns if len(fns) > 1 else fns[0])
    import ast
    kw = {}
    for k, v in o.items():
        if k == "milestones":
            kw[k] = [int(x) for x in v.split(",")]
        else:
            kw[k] = ast.literal_eval(v)
    return getattr(LS, kind)(opt, **kw)


def sched_state(s):
    """2.x's state_dict: CyclicLR's drops its _scale_fn_ref (a WeakMethod, which 1.13 keeps and cannot pickle or copy),
    in a SequentialLR/ChainedScheduler's children too."""
    if s is None:
        return None
    sd = s.state_dict()
    sd.pop("_scale_fn_ref", None)
    for c in sd.get("_schedulers", []) or []:
        if isinstance(c, dict):
            c.pop("_scale_fn_ref", None)
    return sd


# ---------------------------------------------------------------------------------------------------- snapshots

def wk(k):
    return 1 + ((7 * k) % 13) / 8


def entries_chk(entries):
    """(crc hex, chk) of [(key, value)]: value a tensor, a number, None or a list of tensors (expanded before)."""
    desc = []
    chk = 0.0
    j = 0
    for key, v in entries:
        if v is None:
            desc.append(key + "=None")
            continue
        if isinstance(v, list):
            desc.append("%s=L%d" % (key, len(v)))
            continue
        if isinstance(v, torch.Tensor):
            t = v.detach()
            sparse = t.is_sparse
            if sparse:
                t = t.to_dense()
            desc.append("%s=T%s%s#%d" % (key, "S" if sparse else "", F5.NAME.get(t.dtype, str(t.dtype)), t.numel()))
            vals = t.reshape(-1).double().tolist()
        else:
            desc.append(key + "=N")
            vals = [float(v)]
        wj = 1 + (j % 5) / 4
        for k, x in enumerate(vals):
            chk += x * wk(k) * wj
        j += 1
    crc = "%08x" % (zlib.crc32("|".join(desc).encode()) & 0xFFFFFFFF)
    return crc, "%.13g" % chk


def fmt_chk(v):
    return "%.13g" % v


def opt_entries(opt, builtin_int_steps):
    out = []
    st = opt.state_dict()["state"]
    for i in sorted(st):
        for key in sorted(st[i]):
            v = st[i][key]
            if key == "step" and not isinstance(v, torch.Tensor) and not isinstance(opt, torch.optim.SparseAdam):
                v = torch.tensor(float(v))  # 1.13's Python int, 2.x's float32 tensor (SparseAdam's is an int in both)
            if key == "t" and isinstance(opt, torch.optim.LBFGS) and isinstance(v, torch.Tensor):
                # LBFGS's step length is a 0-dim tensor or a Python float by the path that made it (1 / |g|_1 and
                # the line search's interpolation give tensors, lr a float), in 1.13 and 2.x alike; Ember keeps a
                # number: the value is compared, not that accident of typing
                v = v.item()
            if isinstance(v, (list, tuple)):
                out.append(("s%d.%s" % (i, key), list(v)))
                for n, x in enumerate(v):
                    out.append(("s%d.%s.%d" % (i, key, n), x))
            else:
                out.append(("s%d.%s" % (i, key), v))
    return out


def fmt_lr(x):
    return repr(float(x))


class Prog:
    def __init__(self, lines):
        self.lines = lines
        self.last = {}

    def snap(self, st):
        m, opt, sched = st["model"], st["opt"], st["sched"]
        cats = {
            "P": [("p." + k, v) for k, v in m.state_dict().items()],
            "G": [("g." + k, p.grad) for k, p in m.named_parameters()],
            "S": opt_entries(opt, True),
        }
        if VERBOSE:
            for c, ents in cats.items():
                for key, v in ents:
                    crc, chk = entries_chk([(key, v)])
                    d = "T%s#%d" % (v.dtype, v.numel()) if isinstance(v, torch.Tensor) else type(v).__name__
                    self.lines.append("V %s %s %s %s" % (key, d, crc, chk))
        for c, ents in cats.items():
            crc, chk = entries_chk(ents)
            line = "%s %s %s" % (c, crc, chk)
            if self.last.get(c) != line:
                self.lines.append(line)
                self.last[c] = line
        lrs = ",".join(fmt_lr(g["lr"]) for g in opt.param_groups)
        if sched is not None and not isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            lrs += ";" + ",".join(fmt_lr(x) for x in sched.get_last_lr())
        line = "L " + lrs
        if self.last.get("L") != line:
            self.lines.append(line)
            self.last["L"] = line


def fmt_opts(o):
    return " ".join("%s=%s" % (k, F5.fmt_opt(v)) for k, v in o.items())


def program(case_no, rng):
    r = F5.R(0)
    r.rng = rng
    cseed = case_no + 1
    fam, layers, inp, out = draw_model(rng)
    dtype = torch.float32 if rng.random() < 0.12 else torch.float64
    loss_kind = rng.choice(["mse", "ce"])
    name = rng.choice(OPT_NAMES)
    if name == "sparse_adam":
        fam, layers, inp, out = draw_model(rng, "embs")
        loss_kind = "mse"
    if name == "lbfgs":
        # float32 line searches amplify the last-bit differences of the forward pass into different step lengths
        dtype = torch.float64
        # and no BatchNorm: the strong Wolfe zoom runs until the bracket is narrower than tolerance_change, so the
        # number of closure calls can hang on the last bit of a loss, and each call in train mode moves the running
        # statistics (one more call, one more update)
        while any(s.startswith("BatchNorm") for s in layers):
            fam, layers, inp, out = draw_model(rng, fam)
    lines = ["model %s %s %s %d %s %s %d" % (fam, F5.NAME[dtype], loss_kind, cseed, inp[0],
                                              ",".join(map(str, inp[1])), out)]
    lines += ["layer " + s for s in layers]
    model = build_model(layers, dtype)
    init_model(model, layers, cseed)
    lines.append("pn " + ",".join(k for k, _ in model.named_parameters()))
    plist = [i for i, s in enumerate(layers) if any(True for _ in model[i].parameters())]
    # the layers of group 0, group 1 and the held-back ones
    rng.shuffle(plist)
    if name == "lbfgs":
        g0, g1, held = sorted(plist), [], []
    else:
        cut = sorted(rng.sample(range(0, len(plist) + 1), 2))
        g0, g1, held = sorted(plist[:max(1, cut[0])]), sorted(plist[max(1, cut[0]):cut[1]]), sorted(
            plist[max(1, cut[1]):])
        if rng.random() < 0.5:
            g0, g1, held = sorted(g0 + g1 + held), [], []
    o0 = rand_options(r, name)
    o1 = rand_options(r, name)
    o2 = rand_options(r, name)
    if name == "adagrad":
        o1.pop("initial_accumulator_value", None)
        o2.pop("initial_accumulator_value", None)
    lb = dict(lr=rng.choice([1.0, 0.5, 0.1]), max_iter=rng.choice([2, 3, 5]), history_size=rng.choice([2, 5]),
              line_search_fn=rng.choice([None, "strong_wolfe"]))
    if name == "lbfgs":
        lines.append("opt lbfgs lr=%r max_iter=%d history_size=%d line_search_fn=%s" % (
            lb["lr"], lb["max_iter"], lb["history_size"], lb["line_search_fn"]))
    else:
        lines.append("opt " + name)
        lines.append("g0 " + fmt_opts(o0))
        lines.append("g1 " + fmt_opts(o1))
        lines.append("g2 " + fmt_opts(o2))
    lines.append("groups %s;%s;%s" % (",".join(map(str, g0)), ",".join(map(str, g1)), ",".join(map(str, held))))

    def params_of(m, idx):
        return [p for i in idx for p in m[i].parameters()]

    def fresh_opt(m, added):
        o = make_optimizer(name, [params_of(m, g0)] + ([(params_of(m, g1), o1)] if g1 else []), o0, lb)
        if added:
            add_group(o, name, params_of(m, held), dict(o0, **o2) if name in BUILTIN else o2)
        return o

    opt = fresh_opt(model, False)
    sched, sspecs = None, []
    if rng.random() < 0.55:
        try:
            sched, sspecs = draw_sched(rng, r, opt, name)
        except Exception:  # noqa: BLE001  configurations PyTorch refuses are round 5's business
            sched, sspecs = None, []
            opt = fresh_opt(model, False)
    lines += ["sched " + s for s in sspecs]
    plateau = isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau)
    st = dict(model=model, opt=opt, sched=sched)
    prog = Prog(lines)
    prog.snap(st)
    nbatches = 3
    data = [batch(cseed, b, inp, dtype, out, loss_kind) for b in range(nbatches)]
    added = [False]
    frozen = set()

    def do_sched(loss_value):
        if st["sched"] is None:
            return
        if plateau:
            st["sched"].step(loss_value)
        else:
            st["sched"].step()

    def closure_for(b):
        def closure():
            st["opt"].zero_grad(set_to_none=True)
            loss = loss_of(st["model"], layers, data[b], loss_kind)
            loss.backward()
            return loss
        return closure

    keep = {}
    cur = {"dtype": dtype}

    def setev(x):
        EVLINE[0] = x
        return x

    def do_event(e):
        """Does event e; (its line, its result line or None). EVLINE[0] is the line, set before anything can fail."""
        m = st["model"]
        res = None
        if e == "step":
            b = rng.randrange(nbatches)
            ev = setev("step %d" % b)
            if name == "lbfgs":
                loss = st["opt"].step(closure_for(b))
            else:
                loss = loss_of(m, layers, data[b], loss_kind)
                loss.backward()
                st["opt"].step()
            do_sched(loss.item())
            res = "r loss " + repr(loss.item())
        elif e == "accum":
            b1, b2 = rng.randrange(nbatches), rng.randrange(nbatches)
            ev = setev("accum %d %d" % (b1, b2))
            l1 = loss_of(m, layers, data[b1], loss_kind) / 2
            l1.backward()
            l2 = loss_of(m, layers, data[b2], loss_kind) / 2
            l2.backward()
            st["opt"].step()
            do_sched(l1.item() + l2.item())
            res = "r loss %r %r" % (l1.item(), l2.item())
        elif e == "fb":
            b = rng.randrange(nbatches)
            ev = setev("fb %d" % b)
            loss = loss_of(m, layers, data[b], loss_kind)
            loss.backward()
            res = "r loss " + repr(loss.item())
        elif e == "zero":
            who, none = rng.choice("om"), rng.randint(0, 1)
            ev = setev("zero %s %d" % (who, none))
            (st["opt"] if who == "o" else m).zero_grad(set_to_none=bool(none))
        elif e == "clipn":
            mx, nt = rng.choice([0.1, 1.0, 0.5, 10.0]), rng.choice([2.0, 1.0, float("inf"), 3.0])
            ev = setev("clipn %r %s" % (mx, "inf" if nt == float("inf") else repr(nt)))
            tn = torch.nn.utils.clip_grad_norm_(m.parameters(), mx, nt)
            res = "r norm " + repr(float(tn))
        elif e == "clipv":
            v = rng.choice([0.01, 0.1, 0.5])
            ev = setev("clipv %r" % v)
            torch.nn.utils.clip_grad_value_(m.parameters(), v)
        elif e in ("train", "eval"):
            ev = setev(e)
            m.train(e == "train")
        elif e.startswith("freeze"):
            k = int(e.split()[1])
            if k in frozen:
                frozen.discard(k)
                ev = setev("freeze %d 0" % k)
                m[k].requires_grad_(True)
            else:
                frozen.add(k)
                ev = setev("freeze %d 1" % k)
                m[k].requires_grad_(False)
        elif e == "addgroup":
            ev = setev("addgroup")
            add_group(st["opt"], name, params_of(m, held), dict(o0, **o2) if name in BUILTIN else o2)
            added[0] = True
        elif e == "ockpt":
            ev = setev("ockpt")
            so = st["opt"].state_dict()
            ss = sched_state(st["sched"])
            o = fresh_opt(m, added[0])
            s = build_sched(sspecs, o) if sspecs else None
            o.load_state_dict(so)
            if s is not None:
                s.load_state_dict(ss)
            st["opt"], st["sched"] = o, s
        elif e == "ckpt":
            via = rng.randint(0, 1)
            ck = {"model": m.state_dict(), "optim": st["opt"].state_dict()}
            if st["sched"] is not None:
                ck["sched"] = sched_state(st["sched"])
            if via:
                try:
                    buf = io.BytesIO()
                    torch.save(ck, buf)
                    buf.seek(0)
                    ck = torch.load(buf)
                except Exception:  # noqa: BLE001  a scheduler state PyTorch cannot pickle: in memory instead
                    via = 0
            if not via:
                ck = copy.deepcopy(ck)
            ev = setev("ckpt %d" % via)
            m2 = build_model(layers, cur["dtype"])
            m2.load_state_dict(ck["model"])
            o = fresh_opt(m2, added[0])
            s = build_sched(sspecs, o) if sspecs else None
            o.load_state_dict(ck["optim"])
            if s is not None:
                s.load_state_dict(ck["sched"])
            st["model"], st["opt"], st["sched"] = m2, o, s
            frozen.clear()
        elif e == "lr":
            g = rng.randrange(len(st["opt"].param_groups))
            v = rng.choice([0.05, 0.2, 0.01, 0.5])
            ev = setev("lr %d %r" % (g, v))
            st["opt"].param_groups[g]["lr"] = v
        elif e == "nograd":
            b = rng.randrange(nbatches)
            ev = setev("nograd %d" % b)
            with torch.no_grad():
                loss = loss_of(m, layers, data[b], loss_kind)
            res = "r loss " + repr(loss.item())
        elif e == "msave":
            ev = setev("msave")
            keep["m"] = m.state_dict()
        elif e == "mload":
            ev = setev("mload")
            m.load_state_dict(keep["m"])
        elif e == "osave":
            ev = setev("osave")
            keep["o"] = st["opt"].state_dict()
        elif e == "oload":
            ev = setev("oload")
            st["opt"].load_state_dict(keep["o"])
        elif e == "ckpt32":
            # the checkpoint resumed in float32: a fresh float32 model loads the float64 state_dict (copy_ casts), the
            # optimizer casts every state tensor but step to the parameters' type, and the data are float32 from here
            ev = setev("ckpt32")
            ck = {"model": m.state_dict(), "optim": st["opt"].state_dict()}
            if st["sched"] is not None:
                ck["sched"] = sched_state(st["sched"])
            ck = copy.deepcopy(ck)
            m2 = build_model(layers, torch.float32)
            m2.load_state_dict(ck["model"])
            o = fresh_opt(m2, added[0])
            s = build_sched(sspecs, o) if sspecs else None
            o.load_state_dict(ck["optim"])
            if s is not None:
                s.load_state_dict(ck["sched"])
            st["model"], st["opt"], st["sched"] = m2, o, s
            cur["dtype"] = torch.float32
            data[:] = [batch(cseed, b, inp, torch.float32, out, loss_kind) for b in range(nbatches)]
            frozen.clear()
        elif e == "mswap":
            # the model replaced by a fresh one loaded from its state_dict, the optimizer and scheduler kept: they go
            # on with the old parameters, which no longer get gradients (a classic checkpointing mistake)
            ev = setev("mswap")
            m2 = build_model(layers, cur["dtype"])
            m2.load_state_dict(m.state_dict())
            st["model"] = m2
            frozen.clear()
        elif e == "hp":
            g = rng.randrange(len(st["opt"].param_groups))
            grp = st["opt"].param_groups[g]
            # RMSprop's momentum is left alone: 2.x makes momentum_buffer with the state only, so turning momentum on
            # later fails with KeyError 'momentum_buffer' (Ember too since session 46, Leftovers46Test; not drawn: 2.x
            # has updated the groups before the failing one, Ember refuses before any)
            keys = [k for k in HP if k in grp and not (k == "momentum" and name == "rmsprop")]
            if not keys:
                return None, None
            k = rng.choice(keys)
            v = rng.choice(HP[k])
            ev = setev("hp %d %s %s" % (g, k, F5.fmt_opt(v)))
            grp[k] = v
        else:
            raise AssertionError(e)
        return ev, res

    nev = rng.randint(5, 15)
    for _ in range(nev):
        evs = ["step"] * 8 + ["zero"] * 3 + ["fb", "accum", "accum", "clipn", "clipn", "clipv", "train", "eval",
                                              "freeze", "freeze", "ockpt", "ckpt", "ckpt", "lr", "nograd"]
        if held and not added[0] and name not in ("adagrad", "lbfgs"):
            evs += ["addgroup"] * 3
        evs += ["msave", "mload", "mload", "mswap", "hp", "hp"]
        if cur["dtype"] == torch.float64 and name != "lbfgs":
            evs += ["ckpt32"]
        # (PyTorch's state_dict hands out each parameter's state dict itself: a kept dict follows every later step,
        # integer steps, reassigned entries and LBFGS's lists included, until a load replaces the dicts)
        evs += ["osave", "oload", "oload"]
        e = rng.choice(evs)
        if name == "lbfgs" and e == "accum":
            e = "step"
        if name == "sparse_adam" and e in ("clipn", "clipv"):
            # sparse gradients: clip_grad_norm_'s norm and clamp_ of a sparse tensor are left to SparseGradTest
            e = "step"
        if e in ("mload", "oload") and e[0] not in keep:
            e = e[0] + "save"
        if e == "freeze":
            pl = sorted(i for i, s in enumerate(layers) if any(True for _ in st["model"][i].parameters()))
            k = rng.choice(pl)
            if k not in frozen and len(frozen) + 1 >= len(pl):
                continue
        else:
            k = None
        EVLINE[0] = None
        try:
            ev, res = do_event(e if k is None else "freeze %d" % k)
            if ev is None:
                continue
        except Exception as ex:  # noqa: BLE001  PyTorch refuses it: its message; the program goes on
            if EVLINE[0] is None or name == "lbfgs" and EVLINE[0].startswith("step"):
                # an L-BFGS step PyTorch fails: with lr 0 (a schedule's end) the strong Wolfe search's cubic
                # interpolation divides by x1 - x2 = 0 (ZeroDivisionError) after its evaluations; Ember's search
                # goes on (see the session's report): the program is left out
                raise
            lines.append("ev " + EVLINE[0])
            lines.append("e %s %s" % (type(ex).__name__, F5.esc(str(ex))))
            prog.snap(st)
            if EVLINE[0].startswith(("step", "accum")):
                # the scheduler failed after the optimizer stepped: PyTorch has counted the epoch (last_epoch += 1
                # comes before get_lr), Ember's failed step changes nothing, so the two part here and the program ends
                break
            continue
        lines.append("ev " + ev)
        if res is not None:
            lines.append(res)
        prog.snap(st)
        if name == "lbfgs" and ev.startswith("step") and float(res.split()[2]) < 1e-4:
            # solved: L-BFGS's later curvature pairs (1 / y.s of vanishing steps) amplify rounding differences
            break
        with torch.no_grad():
            if any(not bool(torch.isfinite(p).all()) or float(p.abs().max()) > 1e30
                   for p in st["model"].parameters()):
                # diverged (a large rate): what overflowing forward passes give (inf or nan, by the order of a
                # kernel's reductions) is left to the ops' own tests
                break
    return fam, name, lines


EVLINE = [None]
# the options an "hp" event sets by hand (where the group has the key), with the values it draws
HP = {"weight_decay": [0.0, 0.1, 0.01], "momentum": [0.0, 0.9, 0.5], "dampening": [0.0, 0.3],
      "betas": [(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)], "eps": [1e-8, 0.1], "maximize": [True, False],
      "alpha": [0.99, 0.5], "lr_decay": [0.0, 0.1], "momentum_decay": [0.004, 0.1], "rho": [0.9, 0.5],
      "lambd": [1e-4, 0.1], "etas": [(0.5, 1.2), (0.3, 2.0)]}


def main():
    rng = random.Random(SEED)
    out = []
    for c in range(NCASES):
        crng = random.Random(rng.getrandbits(64))
        cid = "c%04d" % c
        try:
            fam, name, lines = program(c, crng)
        except Exception as e:  # noqa: BLE001  a program PyTorch refuses somewhere: left out, noted on stderr
            sys.stderr.write("%s left out: %s: %s\n" % (cid, type(e).__name__, e))
            continue
        if ONLY and cid != ONLY:
            continue
        out.append("=== %s %s %s" % (cid, fam, name))
        out.extend(lines)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
