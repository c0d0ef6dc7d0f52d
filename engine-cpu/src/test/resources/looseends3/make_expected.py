# Expected values for LooseEnds3Test (session 35): schedulers' last_epoch and step(epoch) edges, ReduceLROnPlateau's
# min_lr forms, fill_/masked_fill with a Python bool, sparse gradients.
# Lines "key value": a tensor line (refcases.fmt_tensor), a text (its newlines escaped as \n), an error's first line, or
# a plain value. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes beside the cases)
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


def two_groups():
    w = torch.zeros(1, requires_grad=True)
    v = torch.zeros(1, requires_grad=True)
    return torch.optim.SGD([{"params": [w], "lr": 0.1}, {"params": [v], "lr": 0.05}], lr=0.1)


def lrs(opt):
    return " ".join(repr(g["lr"]) for g in opt.param_groups)


# ---- 1. schedulers


class ExponentialLR(L.ExponentialLR):
    """PyTorch 2.x's ExponentialLR: its get_lr keeps the rates only in the initial step (_is_initial); 1.13's kept them
    whenever last_epoch == 0, which differs where a wrapper undoes the initial step (SequentialLR's later child steps
    from -1 to 0 and decays in 2.x) or where a resumed one's initial step runs (2.x keeps, 1.13 decayed)."""

    def _initial_step(self):
        self._is_initial = True
        try:
            super()._initial_step()
        finally:
            self._is_initial = False

    def get_lr(self):
        if getattr(self, "_is_initial", False):
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


# SequentialLR(last_epoch=k): the sequence's own epoch starts at k + 1 (the same code in 1.13 and 2.x); its children
# are new ones over the optimizer an earlier run left (initial_lr set, the rates decayed), so the rates go back to
# initial_lr and the first child's initial step runs; the milestone 5 is met after 5 - (k + 1) steps. The line: the
# rates after construction and after each of 6 steps, then the sequence's last_epoch. (At the milestone 1.13 calls
# step(0), 2.x _update_lr(0): the same closed-form rates.)
for k in (-1, 0, 2, 4, 7):
    opt = two_groups()
    pre = ExponentialLR(opt, 0.5)
    for _ in range(3):
        opt.step()
        pre.step()
    a = L.ConstantLR(opt, 0.5, 4)
    b = ExponentialLR(opt, 0.9)
    q = L.SequentialLR(opt, [a, b], milestones=[5], last_epoch=k)
    seq = [lrs(opt)]
    for _ in range(6):
        opt.step()
        q.step()
        seq.append(lrs(opt))
    lines.append("seq.resume%d %s %d" % (k, " ".join(seq), q.last_epoch))
# children resumed by last_epoch: they need initial_lr (PyTorch's KeyError text, in 2.x's wording as 1.13's)
err("seq.childNoInitialLr", lambda: L.ConstantLR(two_groups(), 0.5, 4, last_epoch=3))

# ChainedScheduler (2.x: ChainedScheduler(schedulers, optimizer=None); 1.13 has no optimizer argument, the same steps)
# over children resumed at epoch 3 by last_epoch after a first ConstantLR+ExponentialLR chain ran 3 steps: the rates
# after construction and 6 steps
opt = two_groups()
c = L.ChainedScheduler([L.ConstantLR(opt, 0.5, 5), ExponentialLR(opt, 0.9)])
for _ in range(3):
    opt.step()
    c.step()
c2 = L.ChainedScheduler([L.ConstantLR(opt, 0.5, 5, last_epoch=3), ExponentialLR(opt, 0.9, last_epoch=3)])
seq = [lrs(opt)]
for _ in range(6):
    opt.step()
    c2.step()
    seq.append(lrs(opt))
lines.append("chained.resume " + " ".join(seq) + " | " + " ".join(repr(x) for x in c2.get_last_lr()))

# ReduceLROnPlateau: step(metrics, epoch) sets last_epoch (deprecated in 2.x, the same code); then a plain step counts
# on from it
rlrp = ["factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps", "last_epoch", "_last_lr", "mode_worse",
        "mode", "threshold", "threshold_mode", "best", "cooldown_counter", "num_bad_epochs"]


def plateau_dict(s, opt, default_min_lr):
    # 2.x's state_dict (its __dict__ in __init__ order; 1.13's __dict__ has 'verbose' and no default_min_lr, which
    # 2.x sets: the scalar min_lr, or None for a list)
    d = {}
    for k in rlrp:
        if k == "default_min_lr":
            d[k] = default_min_lr
        elif k == "_last_lr":
            d[k] = [g["lr"] for g in opt.param_groups]
        else:
            d[k] = s.__dict__[k]
    return repr(d)


opt = two_groups()
p = L.ReduceLROnPlateau(opt, "min", 0.5, 0)
opt.step()
p.step(1.0, 10)
opt.step()
p.step(2.0)
text("plateau.epoch", plateau_dict(p, opt, 0))

# min_lr: a one-element list is a list (2.x and 1.13: its length must equal the groups'), a scalar fills every group
err("plateau.listShort", lambda: L.ReduceLROnPlateau(two_groups(), min_lr=[0.01]))
w = torch.zeros(1, requires_grad=True)
err("plateau.listLong", lambda: L.ReduceLROnPlateau(torch.optim.SGD([w], lr=0.1), min_lr=[0.01, 0.02]))


def one_group():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


# one group, min_lr=[0.04] (list) vs 0.04 (scalar), then a group added and two bad epochs (patience 0): the list
# form's reduction fails (2.x's RuntimeError; 1.13 has no default_min_lr and fails with an IndexError, so the message
# is 2.x's, written here from lr_scheduler.py), the scalar's fills the new group's bound
opt = one_group()
p = L.ReduceLROnPlateau(opt, "min", 0.5, 0, min_lr=[0.04])
text("plateau.list1", plateau_dict(p, opt, None))
opt = one_group()
p = L.ReduceLROnPlateau(opt, "min", 0.5, 0, min_lr=0.04)
text("plateau.scalar1", plateau_dict(p, opt, 0.04))
opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3})
# 2.x's first reduction sets self.min_lrs = [self.default_min_lr] * len(groups) (1.13 raises IndexError): done here
# before the steps, which gives 2.x's state after them
p.min_lrs = [0.04, 0.04]
for m in (1.0, 2.0, 3.0, 4.0):
    opt.step()
    p.step(m)
lines.append("plateau.scalar1.added " + lrs(opt))
text("plateau.scalar1.addedState", plateau_dict(p, opt, 0.04))
lines.append("plateau.list1.added RuntimeError: The number of param groups in the `optimizer` (2) differs from when "
             "`ReduceLROnPlateau` was initialized (1), usually due to a new param group being added to the optimizer. "
             "Please modify the `min_lrs` field to match the length of the `optimizer` param groups.")

# CosineAnnealingWarmRestarts.step(epoch) with a Python int: T_cur an int (epoch below T_0; epoch % T_0 with T_mult 1)
# or a float (true division with T_mult > 1), last_epoch floor(epoch) an int; then a plain step keeps T_cur's type.
# 2.x's state_dict, built from the scheduler's __dict__ in 2.x's order (the same values in 1.13).
BASE = ["base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr"]
WARM = ["T_0", "T_i", "T_mult", "eta_min", "T_cur"]


def warm_dict(s):
    out = {}
    for k in WARM + BASE:
        out[k] = False if k in ("_is_initial", "_get_lr_called_within_step") else s.__dict__[k]
    return repr(out)


for name, t0, mult, epochs in (("mult2", 3, 2, [2, 5, None, None, 12, None]),
                               ("mult1", 3, 1, [7, None, None, 2, 9]),
                               ("mixed", 2, 3, [1.5, None, 3, None, 8])):
    opt = two_groups()
    s = L.CosineAnnealingWarmRestarts(opt, t0, mult, 0.001)
    for i, e in enumerate(epochs):
        opt.step()
        if e is None:
            s.step()
        else:
            s.step(e)
        text("warm.%s.%d" % (name, i), warm_dict(s))
err("warm.negative", lambda: L.CosineAnnealingWarmRestarts(two_groups(), 3).step(-1))

# ---- 2. fill_ and masked_fill / masked_fill_ with a Python bool, on every dtype: True fills as 1 and False as 0 in a
# numeric tensor (1+0j in a complex one), as True/False in a bool one; the result keeps the tensor's dtype. The base:
# refcases.seq([2, 3]) in the dtype (bool: seq != 0), the mask [[T, F, T], [F, F, T]] (and a broadcast [3] one).
from refcases import seq  # noqa: E402

DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16, torch.bfloat16,
          torch.float32, torch.float64, torch.complex64, torch.complex128]
mask = torch.tensor([[True, False, True], [False, False, True]])
mask_row = torch.tensor([False, True, False])


def base(dt):
    x = seq([2, 3])
    return (x != 0) if dt == torch.bool else x.to(dt)


for dt in DTYPES:
    name = str(dt).replace("torch.", "")
    tensor("base." + name, base(dt))
    for v in (True, False):
        tensor("fill.%s.%s" % (name, v), base(dt).fill_(v))
        tensor("masked.%s.%s" % (name, v), base(dt).masked_fill(mask, v))
        tensor("maskedRow.%s.%s" % (name, v), base(dt).masked_fill(mask_row, v))
        tensor("masked_.%s.%s" % (name, v), base(dt).masked_fill_(mask, v))

# and the other bool fills: full_like(x, True), x.new_full((2, 2), True), index_fill(1, [0, 2], True) and index_fill_
idx = torch.tensor([0, 2])
for dt in DTYPES:
    name = str(dt).replace("torch.", "")
    for v in (True, False):
        tensor("fullLike.%s.%s" % (name, v), torch.full_like(base(dt), v))
        tensor("newFull.%s.%s" % (name, v), base(dt).new_full((2, 2), v))
        tensor("indexFill.%s.%s" % (name, v), base(dt).index_fill(1, idx, v))
        tensor("indexFill_.%s.%s" % (name, v), base(dt).index_fill_(1, idx, v))

# autograd (float64): the bool value is a constant, the nodes are the Scalar overloads' (FillBackward0,
# MaskedFillBackward0); the gradients of sum(out * weights)
from refcases import weights  # noqa: E402

tensor("weights", weights([2, 3]))
x = seq([2, 3]).requires_grad_(True)
y = x * 2
y.fill_(True)
lines.append("grad.fill.node " + y.grad_fn.name())
(y * weights([2, 3])).sum().backward()
tensor("grad.fill", x.grad)
x = seq([2, 3]).requires_grad_(True)
y = x.masked_fill(mask, True)
lines.append("grad.masked.node " + y.grad_fn.name())
(y * weights([2, 3])).sum().backward()
tensor("grad.masked", x.grad)
x = seq([2, 3]).requires_grad_(True)
y = x * 2
y.masked_fill_(mask_row, False)
lines.append("grad.masked_.node " + y.grad_fn.name())
(y * weights([2, 3])).sum().backward()
tensor("grad.masked_", x.grad)
x = seq([2, 3]).requires_grad_(True)
y = x.index_fill(1, idx, True)
lines.append("grad.indexFill.node " + y.grad_fn.name())
(y * weights([2, 3])).sum().backward()
tensor("grad.indexFill", x.grad)
err("err.fillLeaf", lambda: torch.zeros(2, requires_grad=True).fill_(True))
err("err.maskedLeaf", lambda: torch.zeros(2, requires_grad=True).masked_fill_(torch.tensor([True, False]), True))

# ---- 3. clamp with one bound (Python None for the other), values on the bounds: the gradient passes where
# min <= x <= max (the bound included), node ClampBackward1; an int64 tensor with a float bound gives float32
xs = torch.tensor([-1.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)
w5 = weights([5])
for key, f in (("clampMin", lambda x: x.clamp(min=-0.5)), ("clampMax", lambda x: x.clamp(max=0.5)),
               ("clampMax_", lambda x: (x * 1).clamp_(max=0.5)), ("clampMin_", lambda x: (x * 1).clamp_(min=-0.5))):
    x = xs.clone().requires_grad_(True)
    y = f(x)
    lines.append("clamp.%s.node %s" % (key, y.grad_fn.name()))
    tensor("clamp.%s" % key, y)
    (y * w5).sum().backward()
    tensor("clamp.%s.grad" % key, x.grad)
tensor("clamp.int64", torch.tensor([-3, 0, 2, 5]).clamp(min=0.5))
tensor("clamp.int64max", torch.tensor([-3, 0, 2, 5]).clamp(max=1.5))

# ---- 4. sparse autograd edges (float64)
# autograd.grad with a sparse COO input: the sparse gradient (coalesced, over the input's coalesced entries); the
# leaf's .grad untouched; a non-leaf sparse input (s.coalesce()); allow_unused; create_graph and a second derivative
SI = torch.tensor([[0, 1, 1, 0], [2, 0, 2, 2]])
SV = torch.tensor([3.0, 4, 5, 1], dtype=torch.float64)
SD = torch.arange(12, dtype=torch.float64).reshape(3, 4) * 0.5 - 2
SW = torch.arange(6, dtype=torch.float64).reshape(2, 3) - 2.5


def sparse_leaf():
    return torch.sparse_coo_tensor(SI, SV, (2, 3), requires_grad=True)


def sparse_lines(key, g):
    tensor(key + ".indices", g._indices())
    tensor(key + ".values", g._values())
    lines.append(key + ".coalesced " + str(g.is_coalesced()))


s = sparse_leaf()
g, = torch.autograd.grad((torch.sparse.mm(s, SD) ** 2).sum(), s)
sparse_lines("sgrad.mm", g)
lines.append("sgrad.mm.leafGrad " + str(s.grad))
s = sparse_leaf()
g, = torch.autograd.grad((s.to_dense() * SW).sum(), s)
sparse_lines("sgrad.todense", g)
s = sparse_leaf()
g, = torch.autograd.grad(torch.sparse.sum(s) * 3, s)
sparse_lines("sgrad.sum", g)
s = sparse_leaf()
c = s.coalesce()
g, = torch.autograd.grad((c.to_dense() * SW).sum(), c)
sparse_lines("sgrad.nonleaf", g)
s = sparse_leaf()
d2 = SD.clone().requires_grad_(True)
gs, gd = torch.autograd.grad((d2 * 2).sum(), [s, d2], allow_unused=True)
lines.append("sgrad.unused " + str(gs))
tensor("sgrad.unused.dense", gd)
err("sgrad.noGrad", lambda: torch.autograd.grad((d2 * 2).sum(), [torch.sparse_coo_tensor(SI, SV, (2, 3))]))
s = sparse_leaf()
d3 = SD.clone().requires_grad_(True)
g, = torch.autograd.grad((torch.sparse.mm(s, d3) ** 2).sum(), s, create_graph=True)
sparse_lines("sgrad.cg", g)
lines.append("sgrad.cg.node " + g.grad_fn.name())
(g.coalesce().values() ** 2).sum().backward()
sparse_lines("sgrad.cg.second", s.grad)
tensor("sgrad.cg.secondDense", d3.grad)

# ---- end
print("\n".join(lines))
