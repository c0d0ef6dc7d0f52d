# Expected values of Leftovers47Test (the cases earlier rounds left out, second pass), from PyTorch 1.13 CPU, one
# labelled line each ("label text", newlines written as '|').
#   run: cd engine-cpu/src/test/resources/leftovers47 && /usr/bin/python3 make_expected.py > expected.txt
#   (section 6's refused worker loaders print shutdown noise to stderr, not to expected.txt)
#   (deterministic: fixed values and seed, no timing; a second run writes the same bytes)
#
# 1.13 vs 2.x (Ember follows 2.x; where they differ, 2.x's code is written out below and said so):
# - Optimizer.__init__ / add_param_group: 2.x's (2.0 - 2.9) are 1.13's but for the first check, a group that is no
#   dict: 1.13 asserts ("param group must be a dict"), 2.x raises TypeError(f"param_group must be a dict, but got
#   {type(param_group)}"): patched in below (add_param_group_2x). 2.5+'s named parameters ((name, tensor) tuples) are
#   not in Ember. The order: the subclass's option checks, then group by group: no dict, KeyError 'params', a set, a
#   non-tensor, a non-leaf, then a parameter already in an earlier group ("some parameters appear in more than one
#   parameter group").
# - Adagrad: 2.x's __init__ makes state ("step", "sum" = full_like(p, initial_accumulator_value), the constructor's
#   value whatever a group says) for the groups it is given, as 1.13's; add_param_group (the base class's) makes none,
#   and the step's _init_group reads state["sum"]: KeyError: 'sum' (pytorch issue 53712, open), after the groups before
#   it were updated; Ember refuses before it changes anything (the project's rule).
# - LBFGS: 2.x's constructor refuses more than one group after adding them all, as 1.13's.
import warnings

import torch
import torch.nn as nn

warnings.simplefilter("ignore")
torch.manual_seed(0)


def out(label, text):
    print(label + " " + str(text).replace("\n", "|"))


def err(label, f):
    try:
        r = f()
        out(label, "no error " + str(r))
    except KeyError as e:
        out(label, "KeyError: " + repr(e.args[0]))
    except AssertionError as e:
        out(label, "AssertionError " + repr(str(e)))
    except Exception as e:  # TypeError, RuntimeError, ValueError, IndexError: the message
        out(label, str(e))


def vals(t):
    return " ".join("%.17g" % v for v in t.detach().flatten().tolist())


# ---------------------------------------------------------------- 1. parameter groups
_add_param_group_113 = torch.optim.Optimizer.add_param_group


def add_param_group_2x(self, param_group):
    # PyTorch 2.x's first check (torch/optim/optimizer.py); the rest is 1.13's, which 2.x keeps
    if not isinstance(param_group, dict):
        raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
    return _add_param_group_113(self, param_group)


torch.optim.Optimizer.add_param_group = add_param_group_2x


def leaf(*v):
    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


a, b, c = leaf(1.0, -2.0), leaf(0.5, 0.25, -1.5), leaf(3.0)

opt = torch.optim.SGD([a], lr=0.1)
err("groups.add.duplicate", lambda: opt.add_param_group({"params": [c, a]}))
out("groups.add.duplicate.after", len(opt.param_groups))
err("groups.add.set", lambda: opt.add_param_group({"params": {c}}))
err("groups.ctor.duplicate", lambda: torch.optim.Adagrad([{"params": [a]}, {"params": [b, a]}], lr=0.1))
err("groups.ctor.noparams", lambda: torch.optim.SGD([{"params": [a]}, {"lr": 0.5}], lr=0.1))
err("groups.ctor.none", lambda: torch.optim.SGD([{"params": [a]}, None], lr=0.1))
# the constructor's options are checked before any group
err("groups.ctor.badlr", lambda: torch.optim.SGD([{"params": [a]}, {"lr": 0.5}], lr=-0.5))
err("groups.ctor.empty", lambda: torch.optim.SGD([], lr=0.1))
err("groups.ctor.lbfgs", lambda: torch.optim.LBFGS([{"params": [a]}, {"params": [b]}]))
err("groups.ctor.nonleaf", lambda: torch.optim.Adam([{"params": [a]}, {"params": [b * 2]}]))
# a group of no parameters is a group; params may be one tensor
sgd = torch.optim.SGD([{"params": []}, {"params": a, "momentum": 0.9}, {"params": [b, c], "lr": 0.05}], lr=0.1)
out("groups.ctor.sgd", " ".join("%d:%r:%r:%s" % (len(g["params"]), float(g["lr"]), float(g["momentum"]),
                                                 str(g["nesterov"]).lower()) for g in sgd.param_groups))
for k in range(2):
    for p in (a, b, c):
        p.grad = p.detach() * 0.5 + 0.25 * (k + 1)
    sgd.step()
out("groups.ctor.sgd.values", vals(a) + " / " + vals(b) + " / " + vals(c))

# Adagrad over two constructor groups: both get state, filled with the constructor's initial_accumulator_value
a, b, c = leaf(1.0, -2.0), leaf(0.5, 0.25, -1.5), leaf(3.0)
ada = torch.optim.Adagrad([{"params": [a]}, {"params": [b], "lr": 0.05, "initial_accumulator_value": 0.5}],
                          lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)
out("adagrad.ctor.sums", vals(ada.state[a]["sum"]) + " / " + vals(ada.state[b]["sum"]))
for k in range(3):
    for p in (a, b):
        p.grad = p.detach() * 0.5 + 0.25 * (k + 1)
    ada.step()
out("adagrad.ctor.values", vals(a) + " / " + vals(b))
out("adagrad.ctor.sums.after", vals(ada.state[a]["sum"]) + " / " + vals(ada.state[b]["sum"]))

# a group added later has no state: the step fails on it (PyTorch has updated group 0 by then)
ada.add_param_group({"params": [c], "lr": 0.2})
out("adagrad.added.state", "%d %s" % (len(ada.state), sorted(len(s) for s in ada.state.values())))
before = vals(a)
c.grad = torch.ones_like(c)
a.grad = torch.ones_like(a)
err("adagrad.added.step", lambda: ada.step())
out("adagrad.added.step.pytorch.group0", "changed" if vals(a) != before else "unchanged")
# a group added later whose parameters have no gradient: the step goes on (a fresh optimizer)
a, b, c = leaf(1.0, -2.0), leaf(0.5, 0.25, -1.5), leaf(3.0)
ada = torch.optim.Adagrad([a, b], lr=0.1)
ada.add_param_group({"params": [c]})
for p in (a, b):
    p.grad = p.detach() * 0.5 + 0.25
ada.step()
out("adagrad.added.nograd.values", vals(a) + " / " + vals(b))


# ---------------------------------------------------------------- 2. in-place view ops of an inference tensor
# PyTorch (1.13 and 2.x alike): outside inference mode the ADInplaceOrView kernel of transpose_, t_, squeeze_,
# unsqueeze_, as_strided_, swapdims_ (torch/csrc/autograd/generated/ADInplaceOrViewType, gen_inplace_or_view_type.py)
# redispatches the op first and then increment_version(self), whose VariableVersion::bump refuses an inference tensor:
# the sizes and strides are changed before the error ("after" below). Ember refuses first and changes nothing (its rule).
def inf(shape):
    with torch.inference_mode():
        return torch.arange(6.0).reshape(shape)


def geometry(t):
    return "%s %s" % (list(t.shape), list(t.stride()))


INPLACE_VIEWS = [
    ("transpose_", (2, 3), lambda t: t.transpose_(0, 1)),
    ("t_", (2, 3), lambda t: t.t_()),
    ("squeeze_", (1, 2, 3), lambda t: t.squeeze_()),
    ("squeeze_dim", (1, 2, 3), lambda t: t.squeeze_(0)),
    ("unsqueeze_", (2, 3), lambda t: t.unsqueeze_(1)),
    ("swapdims_", (2, 3), lambda t: t.swapdims_(0, 1)),
    ("swapaxes_", (2, 3), lambda t: t.swapaxes_(1, 0)),
    ("as_strided_", (2, 3), lambda t: t.as_strided_((3, 2), (1, 3))),
]
for name, shape, f in INPLACE_VIEWS:
    x = inf(shape)
    out("inplaceview." + name + ".before", geometry(x))
    err("inplaceview." + name, lambda: f(x))
    out("inplaceview." + name + ".pytorch.after", geometry(x))
    y = inf(shape)
    with torch.inference_mode():
        f(y)
    out("inplaceview." + name + ".inside", geometry(y) + " " + str(y.is_inference()))
x = inf((2, 3))
err("inplaceview.add_", lambda: x.add_(1))
out("inplaceview.add_.pytorch.after", vals(x))
x = inf((2, 3))
err("inplaceview.requires_grad_", lambda: x.requires_grad_())
x = inf((2, 3))
x.detach_()
out("inplaceview.detach_", geometry(x) + " " + str(x.is_inference()))


# ---------------------------------------------------------------- 3. set_submodule(strict), get_* messages
# get_submodule, get_parameter and get_buffer: 2.x's (2.0 - 2.9) are 1.13's. set_submodule: 2.6+'s, with strict, written
# out here (1.13's walks the path itself and has no strict): the target, the module, the parent by get_submodule,
# then under strict an absent last name, then a last name whose getattr is no module; then setattr.
def set_submodule_2x(self, target, module, strict=False):
    if target == "":
        raise ValueError("Cannot set the submodule without a target name!")
    atoms = target.split(".")
    if not isinstance(module, torch.nn.Module):
        raise ValueError("`" + "module" + f"` is not an nn.Module, found {type(module)}")
    if len(atoms) == 1:
        parent = self
    else:
        parent = self.get_submodule(".".join(atoms[:-1]))
    if strict and not hasattr(parent, atoms[-1]):
        raise AttributeError(parent._get_name() + " has no attribute `" + atoms[-1] + "`")
    if hasattr(parent, atoms[-1]):
        mod = getattr(parent, atoms[-1])
        if not isinstance(mod, torch.nn.Module):
            raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
    setattr(parent, atoms[-1], module)


nn.Module.set_submodule = set_submodule_2x


def lookup_model():
    return nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Sequential(nn.Linear(3, 1)))


def layout(m):
    return " ".join(n + ":" + type(c).__name__ for n, c in m.named_children())


model = lookup_model()
for target in ["", "2.0", "3", "0.weight", "0.weight.x", "2..0", ".", "1.running_mean", "0.foo", "0.training"]:
    err("lookup.get_submodule." + (target or "empty"), lambda: type(model.get_submodule(target)).__name__)
for target in ["0.weight", "1.running_mean", "0.foo", "3.weight", "0", "", "0.training", "2.0.bias"]:
    err("lookup.get_parameter." + (target or "empty"), lambda: list(model.get_parameter(target).shape))
for target in ["1.running_mean", "1.num_batches_tracked", "0.weight", "1.foo", "2", "", "0.bias"]:
    err("lookup.get_buffer." + (target or "empty"), lambda: list(model.get_buffer(target).shape))
for target, strict in [("0", True), ("5", True), ("5", False), ("2.1", True), ("2.1", False), ("2.0", True),
                       ("0.weight", True), ("9.0", True), ("", True), ("1.running_mean", True), ("0.training", True)]:
    model = lookup_model()
    label = "lookup.set_submodule.%s.%s" % (target or "empty", strict)
    err(label, lambda: model.set_submodule(target, nn.Tanh(), strict=strict))
    out(label + ".after", layout(model) + " / " + layout(model[2]))
model = lookup_model()
err("lookup.set_submodule.none.True", lambda: model.set_submodule("0", None, strict=True))


# ---------------------------------------------------------------- 4. WeightedRandomSampler ties, random_split
# WeightedRandomSampler draws torch.multinomial(weights, n, replacement, generator); without replacement (and for one
# sample) 2.x's multinomial (aten/src/ATen/native/Distributions.cpp, as 1.13's) divides the weights by an
# exponential_(1) draw and takes topk(q, n) (argmax for n == 1): zero weights all tie at q = 0 and come in the order
# libstdc++'s nth_element and sort leave them (PyTorch's CPU topk_impl_loop). random_split: 2.x's is 1.13's (fractions
# that add up to 1 with floor lengths and the remainder dealt round-robin from the first split; "Fraction at index i is
# not between 0 and 1"; "Sum of input lengths does not equal the length of the input dataset!"). Negative integer
# lengths that add up to the size pass PyTorch's checks and slice its permutation with negative offsets (overlapping
# subsets, written below as "pytorch"); Ember refuses them (its own message).
from torch.utils.data import WeightedRandomSampler, random_split

SAMPLERS = [
    ([0.0, 1.0, 0.0, 2.0, 0.0, 0.0], 5, 11),
    ([0.0, 0.0, 0.0, 3.0], 4, 12),
    ([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 9, 13),
    ([0.25, 0.0, 0.25, 0.0, 0.25, 0.0, 0.25], 7, 14),
    ([2.0, 2.0, 0.0, 2.0, 0.0, 2.0, 2.0], 6, 15),
    ([0.0, 1.0, 0.0, 0.0], 1, 16),
    ([0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0], 20, 17),
    # k * 64 <= n: std::partial_sort (heap select, then sort_heap)
    ([1.0] + [0.0] * 129, 2, 18),
    ([0.0] * 100 + [1.0, 0.0, 2.0] + [0.0] * 97, 3, 19),
]
for i, (w, n, seed) in enumerate(SAMPLERS):
    g = torch.Generator().manual_seed(seed)
    s = WeightedRandomSampler(w, n, replacement=False, generator=g)
    out("sampler.%d" % i, " ".join(str(j) for j in list(s)) + " / " + " ".join(str(j) for j in list(s)))
err("sampler.too_many", lambda: list(WeightedRandomSampler([0.0, 1.0, 0.0], 4, replacement=False,
                                                           generator=torch.Generator().manual_seed(1))))
err("sampler.all_zero", lambda: list(WeightedRandomSampler([0.0, 0.0, 0.0], 2, replacement=False,
                                                           generator=torch.Generator().manual_seed(1))))


def split_text(parts):
    return " | ".join(",".join(str(j) for j in p.indices) for p in parts)


SPLITS = [
    (10, [0.3, 0.3, 0.4], 21),
    (11, [0.5, 0.5], 22),
    (7, [0.1, 0.2, 0.3, 0.4], 23),
    (5, [0.2, 0.2, 0.2, 0.2, 0.2], 24),
    (3, [0.25, 0.25, 0.25, 0.25], 25),
    (10, [1.0, 0.0], 26),
    (13, [0.6, 0.4], 27),
]
for i, (size, lengths, seed) in enumerate(SPLITS):
    parts = random_split(range(size), lengths, generator=torch.Generator().manual_seed(seed))
    out("split.%d" % i, " ".join(str(len(p)) for p in parts) + " / " + split_text(parts))
err("split.fraction_over", lambda: random_split(range(10), [1.5, -0.5], generator=torch.Generator().manual_seed(1)))
err("split.fraction_negative", lambda: random_split(range(10), [-0.25, 1.25], generator=torch.Generator().manual_seed(1)))
err("split.oversized", lambda: random_split(range(10), [6, 5], generator=torch.Generator().manual_seed(1)))
err("split.oversized_fractions", lambda: random_split(range(10), [0.6, 0.5], generator=torch.Generator().manual_seed(1)))
err("split.undersized", lambda: random_split(range(10), [3, 5], generator=torch.Generator().manual_seed(1)))
parts = random_split(range(10), [-2, 12], generator=torch.Generator().manual_seed(1))
out("split.negative.pytorch", " ".join(str(len(p)) for p in parts))


# ---------------------------------------------------------------- 5. as_strided across dtype-changing views
# view_as_real / view_as_complex chains with as_strided under autograd, and in-place writes through them (the base's
# gradient through CopySlices). The gradients are the programs' own mathematics (as_strided_backward sums overlapping
# elements; 2.x replays a view chain with a dtype change by its view functions, 1.13 likewise); 1.13's values.
def cx():
    return torch.tensor([1 + 2j, 3 - 1j, -0.5 + 0.25j, 2 + 0j], dtype=torch.complex128, requires_grad=True)


def cvals(t):
    return vals(torch.view_as_real(t.detach().resolve_conj()))


W = torch.arange(1.0, 7.0, dtype=torch.float64)


def inplace_real(x):
    y = x.clone()
    v = torch.view_as_real(y).as_strided((3, 2), (2, 1), 2)
    v.mul_(W.reshape(3, 2))
    return (y * y.conj()).real.sum() + y.imag.sum()


def inplace_transposed(x):
    y = x.clone()
    r = torch.view_as_real(y)
    r.as_strided((2, 2), (1, 2), 1).add_(1.5)
    return (torch.view_as_complex(r).abs() ** 2).sum()


def inplace_complex(x):
    y = x.clone()
    v = torch.view_as_complex(torch.view_as_real(y).as_strided((2, 2), (4, 1), 0))
    v.mul_(1j)
    return (torch.view_as_real(y) * torch.tensor([1.0, 2, 3, 4, 5, 6, 1, 2], dtype=torch.float64).reshape(4, 2)).sum()


STRIDED = [
    ("vr", lambda x: (torch.view_as_real(x).as_strided((3, 2), (2, 1), 2) * W.reshape(3, 2)).sum()),
    ("vr_overlap", lambda x: (torch.view_as_real(x).as_strided((3, 2), (1, 1), 1) * W.reshape(3, 2)).sum()),
    ("vr_vc_abs", lambda x: torch.view_as_complex(torch.view_as_real(x).as_strided((3, 2), (2, 1), 2)).abs().sum()),
    ("vr_t", lambda x: (torch.view_as_real(x).t().as_strided((2, 2), (1, 2), 1) * W[:4].reshape(2, 2)).sum()),
    ("inplace_real", inplace_real),
    ("inplace_transposed", inplace_transposed),
    ("inplace_complex", inplace_complex),
]
for name, f in STRIDED:
    x = cx()
    loss = f(x)
    loss.backward()
    out("strided." + name, "%.17g / %s" % (loss.item(), cvals(x.grad)))


# as_strided of a complex view whose window reaches outside the view's elements (differentialfuzzr14 left these out):
# read, the gradient reaches only the view's elements (as_strided_backward within the input's geometry); written in
# place, the write is recorded on the base (CopySlices over the base's geometry) and every element written gets its
# gradient.
def cx5():
    return torch.tensor([1 + 2j, 3 - 1j, -0.5 + 0.25j, 2 + 0j, 1 - 1j], dtype=torch.complex128, requires_grad=True)


C3 = torch.tensor([1 + 1j, 2 - 1j, 0.5 + 3j], dtype=torch.complex128)
W10 = torch.arange(1.0, 11.0, dtype=torch.float64).reshape(5, 2)


def window_write(view, size, stride, offset, c):
    def f(x):
        y = x.clone()
        view(y).as_strided(size, stride, offset).mul_(c)
        return (torch.view_as_real(y) * W10).sum()
    return f


WINDOWS = [
    ("outside_read", lambda x: (x.clone()[1:3].as_strided((3,), (1,), 0) * C3).real.sum()),
    ("inside_read", lambda x: (x.clone()[1:4].as_strided((2,), (1,), 2) * C3[:2]).real.sum()),
    ("outside_write", window_write(lambda y: y[1:3], (3,), (1,), 0, C3)),
    ("inside_write", window_write(lambda y: y[1:4], (2,), (2,), 1, C3[:2])),
    ("outside_write2", window_write(lambda y: y[1:3], (2,), (2,), 2, C3[:2])),
]
for name, f in WINDOWS:
    x = cx5()
    loss = f(x)
    loss.backward()
    out("window." + name, "%.17g / %s" % (loss.item(), cvals(x.grad)))
# the same windows read after the base (or the parent view) changed in place: the window's history is regenerated by
# replay (AsStridedBackward0 over the base's geometry), so an element outside the parent view gets its gradient now
for name, (a, b, size, stride, off) in [("stale_outside", (1, 3, (3,), (1,), 0)), ("stale_inside", (1, 4, (2,), (1,), 2)),
                                        ("stale_outside2", (1, 3, (2,), (2,), 2))]:
    for which in ("base", "view"):
        x = cx5()
        y = x.clone()
        v = y[a:b]
        z = v.as_strided(size, stride, off)
        (y if which == "base" else v).mul_(2)
        loss = (z * C3[:len(z)]).real.sum()
        loss.backward()
        out("window.%s.%s" % (name, which), "%s %.17g / %s" % (z.grad_fn.name(), loss.item(), cvals(x.grad)))


# ---------------------------------------------------------------- 6. collate in a DataLoader worker
# 2.x's collate_tensor_fn (torch/utils/data/_utils/collate.py, as 1.13's): in a worker it stacks into a shared-memory
# tensor of the first sample's type, len(batch) times its shape, made over sum(numel) elements (resize_ of a storage
# that cannot grow refuses first), so later samples are cast to that type (torch.cat's canCast check refuses a float
# into an int or bool). differentialfuzzr21 left loaders with workers over mixed types out for this.
from torch.utils.data import DataLoader


def worker_batches(label, samples):
    try:
        res = [str(b.dtype).replace("torch.", "") + " " + vals(b) for b in DataLoader(samples, batch_size=2, num_workers=1)]
        out(label, " / ".join(res))
    except RuntimeError as e:
        out(label, str(e).strip().split("\n")[-1].split(": ", 1)[1])


WORKER_CASES = [
    ("f32_f64", [torch.tensor([1.5], dtype=torch.float32), torch.tensor([2.1], dtype=torch.float64)]),
    ("f64_f32", [torch.tensor([1.5], dtype=torch.float64), torch.tensor([2.1], dtype=torch.float32)]),
    ("long_float", [torch.tensor([1]), torch.tensor([2.5])]),
    ("float_long", [torch.tensor([1.5]), torch.tensor([2])]),
    ("bool_long", [torch.tensor([True]), torch.tensor([2])]),
    ("long_bool", [torch.tensor([3]), torch.tensor([True])]),
    ("shorter", [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 3.0])]),
    ("longer", [torch.tensor([1.0, 2.0]), torch.tensor([2.0, 3.0, 4.0])]),
]
for name, samples in WORKER_CASES:
    worker_batches("worker." + name, samples)



# ---------------------------------------------------------------- 2b. as_strided_ (Tensor.as_strided_, in place)
# 2.x's derivatives.yaml: as_strided_'s node AsStridedBackward1, as_strided_backward from the tensor's geometry before
# the call (1.13's alike); refusals as as_strided's, and a leaf that requires grad as every in-place op.
def restride(x, size, stride, offset, w):
    y = x.clone().reshape(2, 3)
    r = y.as_strided_(size, stride, offset)
    assert r is y
    return y, (y * w).sum()


RESTRIDES = [
    ("transpose", (3, 2), (1, 3), 0, torch.arange(1.0, 7.0, dtype=torch.float64).reshape(3, 2)),
    ("overlap", (2, 2), (1, 1), 1, torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)),
    ("window", (2,), (2,), 1, torch.tensor([5.0, -1.0], dtype=torch.float64)),
]
for name, size, stride, offset, w in RESTRIDES:
    x = torch.arange(1.0, 7.0, dtype=torch.float64).requires_grad_()
    y, loss = restride(x, size, stride, offset, w)
    loss.backward()
    out("restride." + name, "%s %s %s / %.17g / %s" % (y.grad_fn.name(), list(y.shape), list(y.stride()), loss.item(),
                                                       vals(x.grad)))
x = cx()
y = x.clone()
y.as_strided_((2,), (2,), 1)
loss = (torch.view_as_real(y) * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum()
loss.backward()
out("restride.complex", "%s / %.17g / %s" % (y.grad_fn.name(), loss.item(), cvals(x.grad)))
err("restride.mismatch", lambda: torch.ones(2, 3).as_strided_((3,), (1, 1)))
err("restride.bounds", lambda: torch.ones(2, 3).as_strided_((3, 3), (3, 1)))
err("restride.leaf", lambda: torch.ones(2, 3, requires_grad=True).as_strided_((3, 2), (1, 3)))
