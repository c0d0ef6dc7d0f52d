# Expected values of Leftovers46Test (the cases earlier rounds left out), from PyTorch 1.13 CPU, one labelled line each
# ("label text", newlines written as '|').
#   run: cd engine-cpu/src/test/resources/leftovers46 && /usr/bin/python3 make_expected.py > expected.txt
#   (deterministic: fixed seed, no timing; a second run writes the same bytes)
#
# 1.13 vs 2.x (Ember follows 2.x; where they differ, 2.x's code is written out below and said so):
# - Lazy modules: 2.x's LazyModuleMixin (2.0 - 2.9: _lazy_load_hook, _infer_parameters) is 1.13's: a state dict
#   materializes an uninitialized parameter or buffer with the loaded tensor's shape, whatever it is; in_features /
#   in_channels / num_features stay 0 and the module keeps its lazy class until its first forward, whose pre-hook then
#   finds nothing uninitialized, initializes nothing and makes it the ordinary class (printing in_features=0 for good),
#   before the forward computes with the loaded tensors (and fails where their shapes do not fit the input). PyTorch's
#   main branch of 2026 (pull request 184698) materializes the class at the load: no release has it.
#   A partially loaded module (strict=False) fails at its first forward: 'Parameter' object has no attribute
#   'materialize' (or a bare assert in the convolutions and norms) after PyTorch has set in_features and materialized
#   what it reached; Ember refuses before it changes anything (its rule: an error leaves everything as it was).
# - delattr of Linear's / Conv's bias: 1.13 and 2.x alike: extra_repr and forward read self.bias: AttributeError.
# - ModuleList.insert: 2.x's is 1.13's (no normalization of a negative index: it reads key '-1', a KeyError after
#   moving entries; Ember refuses first and moves nothing).
# - Slices: 2.x's Sequential.__getitem__ (self.__class__(OrderedDict(list(self._modules.items())[idx])): keys kept),
#   ModuleList's (self.__class__(list(self._modules.values())[idx]): renumbered) and ParameterList's (a new list of
#   self[i] for i in range(*idx.indices(len(self))): the same Parameter objects) are 1.13's; ModuleList's repr is
#   2.x's (runs of equal reprs compressed), patched in below.
# - set_submodule is 2.x only (2.6+'s, written out below): the target checked first ("Cannot set the submodule without
#   a target name!"), then the module ("`module` is not an nn.Module, found <class 'NoneType'>" for None), then the
#   parent by get_submodule, then a last name whose getattr is not a module ("`y` is not an nn.Module").
# - In-place view ops under no_grad on a tensor with a history (t_, transpose_, unsqueeze_, squeeze_): 1.13 and 2.x
#   alike keep the node, whose input metadata is the old shape (validate_outputs checks a gradient reaching it
#   against that shape: "returned an invalid gradient"; an expandable one is summed to it).
# - detach() of an inference tensor outside inference mode: 2.x's native detach is 1.13's (TensorShape.cpp:
#   shallow_copy_and_detach(/*version_counter=*/0, ...), and no ADInplaceOrView kernel runs for an inference tensor to
#   share the base's counter), so the "1.13 quirk" is 2.x's behaviour too: the result is an inference tensor with a
#   version counter of its own, written in place outside inference mode into the shared storage; its views, and a
#   detach() made inside inference mode, have none. Tensor.data is alike.
# - A norm layer's load of a state without num_batches_tracked (no version metadata): 2.x's
#   _NormBase._load_from_state_dict puts self.num_batches_tracked there (1.13: a new 0), so after
#   del bn.num_batches_tracked 2.x raises AttributeError where 1.13 reported the key unexpected: 2.x's code patched in.
import warnings
from collections import OrderedDict

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
    except Exception as e:  # AttributeError, RuntimeError, ValueError, IndexError: the message
        out(label, str(e))


def shapes(m):
    return ",".join("?" if isinstance(t, nn.parameter.UninitializedTensorMixin) else "x".join(map(str, t.shape)) or "-"
                    for t in list(m.parameters()) + list(m.buffers()))


def _addindent(s_, n):
    s = s_.split("\n")
    if len(s) == 1:
        return s_
    first = s.pop(0)
    return first + "\n" + "\n".join((n * " ") + line for line in s)


def modulelist_repr(self):  # PyTorch 2.x's ModuleList.__repr__
    reprs = [repr(item) for item in self]
    if len(reprs) == 0:
        return self._get_name() + "()"
    start_end_indices = [[0, 0]]
    repeated_blocks = [reprs[0]]
    for i, r in enumerate(reprs[1:], 1):
        if r == repeated_blocks[-1]:
            start_end_indices[-1][1] += 1
            continue
        start_end_indices.append([i, i])
        repeated_blocks.append(r)
    lines = []
    main_str = self._get_name() + "("
    for (start_id, end_id), b in zip(start_end_indices, repeated_blocks):
        local_repr = f"({start_id}): {b}"
        if start_id != end_id:
            n = end_id - start_id + 1
            local_repr = f"({start_id}-{end_id}): {n} x {b}"
        lines.append(_addindent(local_repr, 2))
    main_str += "\n  " + "\n  ".join(lines) + "\n"
    return main_str + ")"


nn.ModuleList.__repr__ = modulelist_repr


def set_submodule(self, target, module):  # PyTorch 2.x's (2.6+) Module.set_submodule, strict=False
    if target == "":
        raise ValueError("Cannot set the submodule without a target name!")
    atoms = target.split(".")
    if not isinstance(module, torch.nn.Module):
        raise ValueError("`" + "module" + f"` is not an nn.Module, found {type(module)}")
    if len(atoms) == 1:
        parent = self
    else:
        parent = self.get_submodule(".".join(atoms[:-1]))
    if hasattr(parent, atoms[-1]):
        mod = getattr(parent, atoms[-1])
        if not isinstance(mod, torch.nn.Module):
            raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
    setattr(parent, atoms[-1], module)


def ones(*s):
    return torch.arange(1, 1 + torch.Size(s).numel(), dtype=torch.float32).reshape(s) / 8


# ---- 1. a lazy module's uninitialized tensors loaded from a state dict of any shape ----
m = nn.LazyLinear(4)
out("lazy.linear.load", m.load_state_dict(OrderedDict([("weight", ones(5, 3)), ("bias", ones(7))])))
out("lazy.linear.loaded", "%s %s %s" % (m, shapes(m), m.weight.sum().item()))
err("lazy.linear.forward", lambda: m(ones(2, 3)))
out("lazy.linear.after", "%s %s" % (m, shapes(m)))

m = nn.LazyLinear(4)
m.load_state_dict(OrderedDict([("weight", ones(4, 3)), ("bias", ones(4))]))
out("lazy.linear.fits.before", m)
y = m(ones(2, 3))
out("lazy.linear.fits.forward", "%s %s" % (list(y.shape), y.sum().item()))
out("lazy.linear.fits.after", m)
err("lazy.linear.fits.wider", lambda: m(ones(2, 5)))

m = nn.LazyLinear(4)
m.load_state_dict(OrderedDict([("weight", ones(2, 3, 5)), ("bias", ones(4))]))
out("lazy.linear.rank3", "%s %s" % (m, shapes(m)))
err("lazy.linear.rank3.forward", lambda: m(ones(2, 3)))

m = nn.LazyLinear(4)
out("lazy.linear.partial.load", m.load_state_dict(OrderedDict([("weight", ones(4, 3))]), strict=False))
out("lazy.linear.partial.before", "%s %s" % (m, shapes(m)))
err("lazy.linear.partial.forward", lambda: m(ones(2, 3)))
# PyTorch's state after the failed forward (in_features set, nothing else materialized); Ember keeps the one before
out("lazy.linear.partial.after", "%s %s" % (m, shapes(m)))
m = nn.LazyLinear(4)
m.load_state_dict(OrderedDict([("bias", ones(4))]), strict=False)
err("lazy.linear.partial.bias.forward", lambda: m(ones(2, 3)))

c = nn.LazyConv1d(4, 3)
out("lazy.conv1d.load", c.load_state_dict(OrderedDict([("weight", ones(6, 2, 5)), ("bias", ones(6))])))
out("lazy.conv1d.loaded", "%s %s" % (c, shapes(c)))
y = c(ones(1, 2, 8))
out("lazy.conv1d.forward", "%s %s" % (list(y.shape), y.sum().item()))
out("lazy.conv1d.after", c)
c = nn.LazyConv1d(4, 3)
c.load_state_dict(OrderedDict([("weight", ones(4, 2, 3))]), strict=False)
err("lazy.conv1d.partial.forward", lambda: c(ones(1, 2, 5)))
c = nn.LazyConv2d(4, 3)
c.load_state_dict(OrderedDict([("weight", ones(4, 5, 3, 3)), ("bias", ones(4))]))
out("lazy.conv2d.loaded", c)
y = c(ones(1, 5, 4, 4))
out("lazy.conv2d.forward", "%s %s" % (list(y.shape), y.sum().item()))
out("lazy.conv2d.after", c)
c = nn.LazyConvTranspose1d(4, 3)
c.load_state_dict(OrderedDict([("weight", ones(2, 4, 3)), ("bias", ones(4))]))
out("lazy.convt1d.loaded", c)
y = c(ones(1, 2, 5))
out("lazy.convt1d.forward", "%s %s" % (list(y.shape), y.sum().item()))
out("lazy.convt1d.after", c)

b = nn.LazyBatchNorm1d()
sd = OrderedDict([("weight", ones(3)), ("bias", ones(5)), ("running_mean", ones(3)), ("running_var", ones(3)),
                  ("num_batches_tracked", torch.tensor(0))])
out("lazy.bn.load", b.load_state_dict(sd))
out("lazy.bn.loaded", "%s %s" % (b, shapes(b)))
err("lazy.bn.forward", lambda: b(ones(2, 3)))
out("lazy.bn.after", b)
b = nn.LazyBatchNorm2d()
sd = OrderedDict([("weight", ones(3)), ("bias", ones(3)), ("running_mean", ones(3)), ("running_var", ones(3)),
                  ("num_batches_tracked", torch.tensor(0))])
b.load_state_dict(sd)
b.eval()
y = b(ones(1, 3, 2, 2))
out("lazy.bn2d.forward", "%s %s" % (list(y.shape), y.sum().item()))
out("lazy.bn2d.after", b)
b = nn.LazyBatchNorm1d()
b.load_state_dict(OrderedDict([("running_mean", ones(3))]), strict=False)
err("lazy.bn.partial.buffer.forward", lambda: b(ones(2, 3)))
b = nn.LazyBatchNorm1d()
b.load_state_dict(OrderedDict([("weight", ones(3))]), strict=False)
err("lazy.bn.partial.weight.forward", lambda: b(ones(2, 3)))
n = nn.LazyInstanceNorm1d(affine=True)
n.load_state_dict(OrderedDict([("weight", ones(3)), ("bias", ones(3))]), strict=False)
out("lazy.in.loaded", n)
err("lazy.in.forward", lambda: n(ones(2, 3, 4)))
out("lazy.in.after", n)

# ---- 2. delattr of a layer's bias (or weight): print and forward read it: AttributeError ----
for label, mk, x in (("linear", lambda: nn.Linear(2, 3), ones(1, 2)), ("conv1d", lambda: nn.Conv1d(2, 3, 1), ones(1, 2, 4)),
                     ("conv2d", lambda: nn.Conv2d(2, 3, 1), ones(1, 2, 3, 3)),
                     ("convt1d", lambda: nn.ConvTranspose1d(2, 3, 1), ones(1, 2, 4))):
    lay = mk()
    del lay.bias
    err("delbias." + label + ".print", lambda: repr(lay))
    err("delbias." + label + ".parent.print", lambda: repr(nn.Sequential(lay)))
    err("delbias." + label + ".forward", lambda: lay(x))
    out("delbias." + label + ".state", ",".join(lay.state_dict().keys()))
lay = nn.Linear(2, 3)
del lay.weight
err("delweight.linear.print", lambda: repr(lay))
err("delweight.linear.forward", lambda: lay(ones(1, 2)))
lay = nn.Linear(2, 3)
lay.register_parameter("bias", None)  # a None bias, not a deleted one: bias=False, and the forward runs
out("nonebias.linear.print", lay)

# ---- 3. ModuleList.insert at a negative index ----
for n_, idx in ((3, -1), (3, -3), (1, -5), (0, -1)):
    ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()][:n_])
    err("insert.%d.%d" % (n_, idx), lambda: ml.insert(idx, nn.ELU()))
ml = nn.ModuleList([nn.ReLU(), nn.Tanh()])
ml.add_module("-1", nn.Sigmoid())  # a key '-1' registered by name: the moves read it
err("insert.named.-1", lambda: ml.insert(-1, nn.ELU()))
out("insert.named.-1.keys", ",".join(ml._modules.keys()) + " " + ",".join(m._get_name() for m in ml._modules.values()))

# ---- 4. slices with a step ----
def items(c):
    return c._get_name() + " " + ",".join(k + "=" + ("None" if m is None else m._get_name()) for k, m in c._modules.items())


SLICES = [("::2", slice(None, None, 2)), ("1::-1", slice(1, None, -1)), ("::-1", slice(None, None, -1)),
          ("-2:0:-1", slice(-2, 0, -1)), ("10:0:-3", slice(10, 0, -3)), ("1:4:2", slice(1, 4, 2)),
          ("-10:10:3", slice(-10, 10, 3)), ("3:1", slice(3, 1, None)), ("::-7", slice(None, None, -7))]
seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ELU(), nn.GELU())
named = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh()), ("c", nn.Sigmoid()), ("d", nn.ELU())]))
ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ELU(), nn.GELU()])
pl = nn.ParameterList([nn.Parameter(ones(k + 1)) for k in range(5)])
for text, s in SLICES:
    out("slice.seq." + text, items(seq[s]))
    out("slice.named." + text, items(named[s]))
    out("slice.ml." + text, items(ml[s]))
    p = pl[s]
    out("slice.pl." + text, p._get_name() + " " + ",".join(k + "=" + str(pl_i) for k, pl_i in (
        (k, [i for i, q in enumerate(pl) if q is v][0]) for k, v in p._parameters.items())))
out("slice.seq.print", seq[::-2])
out("slice.named.print", named[1::-1])
out("slice.ml.print", ml[::2])
out("slice.pl.print", pl[::-2])
y = seq[::2](ones(2) - 1)
out("slice.seq.forward", "%s" % y.tolist())
for label, c in (("seq", seq), ("ml", ml), ("pl", pl)):
    err("slice.%s.step0" % label, lambda: c[::0])

# ---- 5. set_submodule with None (2.x's rules), and what a None submodule is ----
root = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
root.add_module("none", None)
err("setsub.none", lambda: set_submodule(root, "1", None))
err("setsub.none.empty", lambda: set_submodule(root, "", None))
err("setsub.none.missing.parent", lambda: set_submodule(root, "zz.y", None))
err("setsub.none.new", lambda: set_submodule(root, "fresh", None))
err("setsub.into.none", lambda: set_submodule(root, "none", nn.Tanh()))
err("setsub.missing.parent", lambda: set_submodule(root, "zz.y", nn.Tanh()))
err("setsub.param", lambda: set_submodule(root, "0.weight", nn.Tanh()))
out("setsub.state", items(root))

# ---- 6. gradient shape checks after in-place view ops under no_grad ----
def f64(*s):
    return torch.arange(float(torch.Size(s).numel()), dtype=torch.float64).reshape(s)


def backward_case(label, shape, inplace, use):
    a = f64(*shape).requires_grad_()
    x = a * 1
    with torch.no_grad():
        inplace(x)
    try:
        use(x).backward()
        out(label, "grad " + str(a.grad.tolist()))
    except RuntimeError as e:
        out(label, str(e).split("\n")[0])


backward_case("nograd.t_", (2, 3), lambda x: x.t_(), lambda x: (x * f64(3, 2)).sum())
backward_case("nograd.unsqueeze_", (2, 3), lambda x: x.unsqueeze_(0), lambda x: x.sum())
backward_case("nograd.squeeze_", (1, 3), lambda x: x.squeeze_(), lambda x: x.sum())
backward_case("nograd.squeeze_dim", (1, 3), lambda x: x.squeeze_(0), lambda x: (x * 2).sum())
backward_case("nograd.transpose_", (2, 3, 4), lambda x: x.transpose_(0, 2), lambda x: (x * 2).sum())
backward_case("nograd.t_square", (2, 2), lambda x: x.t_(), lambda x: (x * f64(2, 2)).sum())
backward_case("nograd.t_then_mul_", (2, 3), lambda x: x.t_(), lambda x: x.mul_(2).sum())
backward_case("nograd.t_then_view", (2, 3), lambda x: x.t_(), lambda x: x.reshape(6).sum())
backward_case("nograd.t_twice", (2, 3), lambda x: x.t_().t_(), lambda x: (x * f64(2, 3)).sum())
a = f64(2, 3).requires_grad_()
with torch.no_grad():
    a.t_()
(a * 1).sum().backward()
out("nograd.leaf.t_", "grad " + str(list(a.grad.shape)))
a = f64(2, 3).requires_grad_()
x = a * 1
with torch.no_grad():
    x.t_()
x.t_()  # in grad mode: TBackward1, whose gradient of the old node's input is checked against that node's [2, 3]
err("nograd.t_then_grad_t_", lambda: (x * f64(2, 3)).sum().backward())
# a leaf whose AccumulateGrad a live graph holds (made for [3]) keeps that metadata: the gradient is summed to [3]
a = f64(3).requires_grad_()
v = a * 1
with torch.no_grad():
    a.unsqueeze_(0)
(a * f64(1, 3)).sum().add(v.sum()).backward()
out("nograd.leaf.held.unsqueeze_", "grad %s %s" % (list(a.grad.shape), a.grad.tolist()))
a = f64(3).requires_grad_()
v = a * 1
with torch.no_grad():
    a.unsqueeze_(0)
g = torch.autograd.grad((a * f64(1, 3)).sum().add(v.sum()), a)[0]  # autograd.grad: the checked gradient, [3]
out("nograd.leaf.held.unsqueeze_.agrad", "%s %s" % (list(g.shape), g.tolist()))

# ---- 7. detach() of an inference tensor outside inference mode (a version counter of its own) ----
with torch.inference_mode():
    base = torch.ones(2, 3)
d = base.detach()
out("infdetach.is_inference", "%s %s" % (d.is_inference(), d._version))
d.add_(1)
out("infdetach.add_", "%s %s" % (d._version, base.sum().item()))
d.t_()
out("infdetach.t_", "%s %s %s" % (list(d.shape), list(base.shape), d._version))
err("infdetach.view.version", lambda: d.view(-1) if d.is_contiguous() else d.t().reshape(-1)._version)
# refused writes on other storages: PyTorch's kernel writes before the version counter refuses (Ember refuses first)
with torch.inference_mode():
    other = torch.ones(2, 3)
v = other.detach().view(6)
err("infdetach.view.add_", lambda: v.add_(1))
err("infdetach.view._version", lambda: v._version)
dd = d.detach()
dd.mul_(2)
out("infdetach.twice", "%s %s %s" % (dd._version, d._version, base.sum().item()))
with torch.inference_mode():
    d.add_(1)  # no bump inside inference mode
out("infdetach.inside", "%s %s" % (d._version, base.sum().item()))
with torch.inference_mode():
    d3 = other.detach()
err("infdetach.made_inside._version", lambda: d3._version)
err("infdetach.made_inside.add_", lambda: d3.add_(1))
err("infdetach.requires_grad_", lambda: base.detach().requires_grad_())
w = torch.ones(2, 3, requires_grad=True)
err("infdetach.saved", lambda: w * base.detach())
dt = base.data
dt.add_(1)
out("infdata.add_", "%s %s" % (dt._version, base.sum().item()))
err("infbase.add_", lambda: base.add_(1))

# ---- 8. a norm layer whose num_batches_tracked was deleted, loading a state without it (fuzz round 18) ----
_orig_norm_load = nn.modules.batchnorm._NormBase._load_from_state_dict


def _norm_load_2x(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
    version = local_metadata.get("version", None)
    if (version is None or version < 2) and self.track_running_stats:
        key = prefix + "num_batches_tracked"
        if key not in state_dict:
            state_dict[key] = (self.num_batches_tracked
                               if self.num_batches_tracked is not None
                               and self.num_batches_tracked.device != torch.device("meta")
                               else torch.tensor(0, dtype=torch.long))
    # the rest of 2.x's method is Module._load_from_state_dict (1.13's _NormBase adds nothing else)
    nn.Module._load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                    error_msgs)


nn.modules.batchnorm._NormBase._load_from_state_dict = _norm_load_2x
bn = nn.BatchNorm1d(2)
del bn.num_batches_tracked
out("delnbt.state", ",".join(bn.state_dict().keys()))
sd = OrderedDict((k, v) for k, v in nn.BatchNorm1d(2).state_dict().items() if k != "num_batches_tracked")
err("delnbt.load", lambda: bn.load_state_dict(sd))
err("delnbt.load.nonstrict", lambda: bn.load_state_dict(sd, strict=False))
out("delnbt.load.with", bn.load_state_dict(nn.BatchNorm1d(2).state_dict(), strict=False))
seq = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
del seq[1].num_batches_tracked
sd = OrderedDict((k, v) for k, v in seq.state_dict().items())
err("delnbt.nested.load", lambda: seq.load_state_dict(sd))
nn.modules.batchnorm._NormBase._load_from_state_dict = _orig_norm_load

# ---- 9. RMSprop with momentum (or centered) turned on after its state was made (fuzz round 13) ----
# 1.13 and 2.x alike: _init_group makes momentum_buffer / grad_avg with the state only, then reads them: KeyError
# (2.x raises before updating that group; the parameters and the state stay as they were)
for key, val in (("momentum", 0.9), ("centered", True)):
    p = nn.Parameter(torch.ones(2))
    q = nn.Parameter(torch.ones(2))
    opt = torch.optim.RMSprop([p, q], lr=0.1)
    p.grad = torch.ones(2)
    q.grad = torch.ones(2)
    opt.step()
    opt.param_groups[0][key] = val
    before = (p.detach().clone(), q.detach().clone())
    err("rmsprop.late." + key, opt.step)
    out("rmsprop.late." + key + ".after", "%s %s %s" % (torch.equal(before[0], p), torch.equal(before[1], q),
                                                         ",".join(opt.state[p].keys())))
