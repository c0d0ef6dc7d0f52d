# Expected values of FuzzRound18FixesTest (the fixes fuzz round 18 led to), from PyTorch 1.13, one labelled line each.
#   run: cd engine-cpu/src/test/resources/differentialfuzzr18 && /usr/bin/python3 make_fixes.py > fixes.txt
# 1.13 vs 2.x: named_parameters / named_buffers take remove_duplicate in 2.x only (2.x's _named_members is written out
# below); ModuleList's and Sequential's code used here (insert, pop, __delitem__'s renumbering, __setitem__, slices) and
# the containers' extra_repr are 2.x's.
from collections import OrderedDict

import torch
import torch.nn as nn


def out(label, text):
    print(label + " " + text.replace("\n", "|"))


def names(items):
    return ",".join(k for k, _ in items)


def named_members(root, fn, prefix, recurse, remove_duplicate):  # 2.x's _named_members
    memo = set()
    mods = root.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, root)]
    res = []
    for mp, m in mods:
        for k, v in fn(m):
            if v is None or v in memo:
                continue
            if remove_duplicate:
                memo.add(v)
            res.append((mp + ("." if mp else "") + k, v))
    return res


def err(label, f):
    try:
        f()
        out(label, "no error")
    except KeyError as e:
        out(label, "KeyError: " + repr(e.args[0]) if " " not in str(e.args[0]) else str(e.args[0]))
    except (AttributeError, IndexError, RuntimeError) as e:
        out(label, str(e.args[0]))


# delattr: a parameter, a buffer (persistent or not), a submodule, then a name that is none of them
lin = nn.Linear(2, 3)
delattr(lin, "bias")
out("del.linear.params", names(lin.named_parameters()))
out("del.linear.state", ",".join(lin.state_dict().keys()))
err("del.linear.missing", lambda: delattr(lin, "zz"))
bn = nn.BatchNorm1d(2)
delattr(bn, "running_mean")
out("del.bn.buffers", names(bn.named_buffers()))
seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
delattr(seq, "1")
out("del.seq.children", names(seq.named_children()))
out("del.seq.repr", repr(seq))

# named_parameters / named_buffers with prefix, recurse and remove_duplicate (a tied weight, a shared module)
shared = nn.Linear(2, 2)
root = nn.Sequential(shared, nn.BatchNorm1d(2), shared)
root.register_parameter("t", root[0].weight)
pfn = lambda m: m._parameters.items()
bfn = lambda m: m._buffers.items()
for pre in ("", "model"):
    for rec in (True, False):
        for rd in (True, False):
            key = "%s.%d.%d" % (pre or "-", int(rec), int(rd))
            out("named.p." + key, names(named_members(root, pfn, pre, rec, rd)))
            out("named.b." + key, names(named_members(root, bfn, pre, rec, rd)))

# state_dict(prefix, keep_vars)
sd = root.state_dict(prefix="pre.", keep_vars=True)
out("sd.keys", ",".join(sd.keys()))
out("sd.keep", "%s %s %s" % (sd["pre.0.weight"] is root[0].weight, sd["pre.2.weight"] is root[0].weight,
                             sd["pre.0.weight"].requires_grad))
sd = root.state_dict(prefix="pre.")
out("sd.plain", "%s %s" % (sd["pre.0.weight"] is root[0].weight, sd["pre.0.weight"].requires_grad))

# Sequential: insert, pop, del, setitem, extend
seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
seq.insert(1, nn.Identity())
out("seq.insert", names(seq.named_children()) + " " + ",".join(m._get_name() for m in seq))
seq.insert(-1, nn.Sigmoid())
out("seq.insert.neg", ",".join(m._get_name() for m in seq))
err("seq.insert.range", lambda: seq.insert(7, nn.ReLU()))
out("seq.pop", seq.pop(-2)._get_name() + " " + ",".join(k + "=" + m._get_name() for k, m in seq._modules.items()))
del seq[0]
out("seq.del", ",".join(k + "=" + m._get_name() for k, m in seq._modules.items()))
err("seq.del.range", lambda: seq.__delitem__(4))
seq[-1] = nn.GELU()
out("seq.set", ",".join(k + "=" + m._get_name() for k, m in seq._modules.items()))
seq.extend([nn.ReLU(), nn.Tanh()])
out("seq.extend", ",".join(k + "=" + m._get_name() for k, m in seq._modules.items()))
named = nn.Sequential(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh()), ("c", nn.GELU())]))
del named[1]
out("seq.del.named", ",".join(k + "=" + m._get_name() for k, m in named._modules.items()))

# ModuleList: what is registered is what the list holds
ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.GELU()])
setattr(ml, "0", nn.Sigmoid())
out("ml.setattr", ml[0]._get_name())
ml.add_module("1", nn.Identity())
out("ml.addmodule", ml[1]._get_name() + " " + str(len(ml)))
ml.add_module("x", nn.ReLU())
out("ml.named", str(len(ml)))
err("ml.named.get", lambda: ml[-1])  # "x" is the last entry; ml[-1] reads the key "3"
del ml[0]
out("ml.del", ",".join(k + "=" + m._get_name() for k, m in ml._modules.items()))
ml.insert(1, nn.Tanh())
out("ml.insert", ",".join(k + "=" + m._get_name() for k, m in ml._modules.items()))
out("ml.pop", ml.pop(0)._get_name() + " " + ",".join(k + "=" + m._get_name() for k, m in ml._modules.items()))
s = ml[1:]
out("ml.slice", s._get_name() + " " + ",".join(k + "=" + m._get_name() for k, m in s._modules.items()))
ml[-1] = nn.ELU()
out("ml.set", ",".join(k + "=" + m._get_name() for k, m in ml._modules.items()))
err("ml.get.range", lambda: ml[5])
ml2 = nn.ModuleList([nn.ReLU(), nn.Tanh()])
delattr(ml2, "0")
err("ml.get.removed", lambda: ml2[0])

# ModuleDict: pop, update, clear, del, and what setattr put
md = nn.ModuleDict(OrderedDict([("a", nn.ReLU()), ("b", nn.Tanh())]))
setattr(md, "a", nn.GELU())
out("md.setattr", md["a"]._get_name() + " " + ",".join(md.keys()))
out("md.pop", md.pop("a")._get_name() + " " + ",".join(md.keys()))
err("md.pop.missing", lambda: md.pop("zz"))
md.update(OrderedDict([("c", nn.ReLU()), ("b", nn.ELU())]))
out("md.update", ",".join(k + "=" + m._get_name() for k, m in md.items()))
del md["c"]
out("md.del", ",".join(md.keys()))
err("md.del.missing", lambda: md.__delitem__("zz"))
md.clear()
out("md.clear", str(len(md)) + " " + repr(md))

# ParameterList / ParameterDict read what is registered under their names
pl = nn.ParameterList([nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(3))])
pl.register_parameter("0", nn.Parameter(torch.zeros(4, dtype=torch.float64)))
pl.register_parameter("1", None)
out("pl.get", "%s %s %s" % (pl[0].dtype, list(pl[0].shape), pl[1]))
out("pl.repr", repr(pl))
pd = nn.ParameterDict(OrderedDict([("p", nn.Parameter(torch.zeros(2))), ("q", nn.Parameter(torch.zeros(1)))]))
pd.register_parameter("p", nn.Parameter(torch.zeros(2, 2)))
pd.register_parameter("q", None)
out("pd.get", "%s %s" % (list(pd["p"].shape), pd["q"]))
out("pd.repr", repr(pd))
delattr(pd, "p")
err("pd.get.removed", lambda: pd["p"])
out("pd.keys", ",".join(pd.keys()))

# Linear and Conv1d print the bias registered now
a = nn.Linear(2, 3)
a.register_parameter("bias", None)
b = nn.Linear(2, 3, bias=False)
b.register_parameter("bias", nn.Parameter(torch.zeros(3)))
c = nn.Conv1d(1, 2, 1)
c.register_parameter("bias", None)
d = nn.Conv1d(1, 2, 1, bias=False)
d.register_parameter("bias", nn.Parameter(torch.zeros(2)))
out("repr.bias", " ; ".join(repr(m) for m in (a, b, c, d)))

# load_state_dict: a key under a parameter's name ("0.zz" where 0 is a parameter) is neither loaded nor unexpected
pl = nn.ParameterList([nn.Parameter(torch.zeros(())), nn.Parameter(torch.zeros(2))])
d = OrderedDict(pl.state_dict())
d["0.zz"] = torch.ones(3)
d["1.zz.y"] = torch.ones(1)
d["zz"] = torch.ones(1)
r = pl.load_state_dict(d, strict=False)
out("load.undertensor", "missing=%s unexpected=%s" % (",".join(r.missing_keys), ",".join(r.unexpected_keys)))
bn = nn.BatchNorm1d(2)
bn.register_buffer("extra", torch.zeros(1), persistent=False)
d = OrderedDict(bn.state_dict())
d["running_mean.zz"] = torch.ones(1)
d["extra.zz"] = torch.ones(1)
r = bn.load_state_dict(d, strict=False)
out("load.underbuffer", "missing=%s unexpected=%s" % (",".join(r.missing_keys), ",".join(r.unexpected_keys)))

# requires_grad_ on a module with a lazy module's uninitialized parameter: PyTorch's UninitializedParameter refuses the
# method (either way); Ember refuses before any flag changes (PyTorch's loop has set the Linear's first)
m = nn.Sequential(nn.Linear(1, 1), nn.LazyLinear(2))
for flag in (False, True):
    try:
        m.requires_grad_(flag)
        out("lazy.rg.%d" % flag, "no error")
    except ValueError as e:
        out("lazy.rg.%d" % flag, str(e))

# a LazyLinear registered twice, loaded with entries of two shapes: PyTorch materializes it at the first path and
# compares the second; entries only under the second path materialize it there
lz = nn.LazyLinear(2)
seq = nn.Sequential(lz, lz)
d = OrderedDict([("0.weight", torch.ones(2, 1)), ("0.bias", torch.ones(2)), ("1.weight", torch.ones(3)),
                 ("1.bias", torch.ones(2))])
err("lazy.shared.mismatch", lambda: seq.load_state_dict(d))
lz = nn.LazyLinear(2)
seq = nn.Sequential(lz, lz)
d = OrderedDict([("1.weight", torch.ones(2, 3)), ("1.bias", torch.ones(2))])
r = seq.load_state_dict(d, strict=False)
out("lazy.shared.second", "missing=%s unexpected=%s shape=%s" % (",".join(r.missing_keys), ",".join(r.unexpected_keys),
                                                                 list(lz.weight.shape)))

# ParameterList item assignment; ParameterDict's del (KeyError for a key it does not have, AttributeError for a key
# whose tensor was removed by name: PyTorch drops the key before it raises, Ember refuses first and keeps it)
pl = nn.ParameterList([nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(3))])
pl[-1] = nn.Parameter(torch.zeros(1, 2, dtype=torch.float64))
out("pl.set", repr(pl))


def set5():
    pl[5] = nn.Parameter(torch.zeros(1))


err("pl.set.range", set5)
pd = nn.ParameterDict(OrderedDict([("p", nn.Parameter(torch.zeros(2))), ("q", nn.Parameter(torch.zeros(1)))]))
err("pd.del.missing", lambda: pd.__delitem__("zz"))
delattr(pd, "p")
err("pd.del.removed", lambda: pd.__delitem__("p"))
pd = nn.ParameterDict(OrderedDict([("p", nn.Parameter(torch.zeros(2))), ("q", nn.Parameter(torch.zeros(1)))]))
del pd["p"]
out("pd.del", ",".join(pd.keys()) + " " + names(pd.named_parameters()))


def set_submodule(root, target, module):  # 2.5+'s (1.13 has none)
    atoms = target.split(".")
    parent = root.get_submodule(".".join(atoms[:-1]))
    if hasattr(parent, atoms[-1]) and not isinstance(getattr(parent, atoms[-1]), nn.Module):
        raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
    setattr(parent, atoms[-1], module)


# set_submodule of a parameter's, a buffer's or a None submodule's name; item assignment replaces a None entry
seq = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
seq.add_module("n", None)
err("setsub.param", lambda: set_submodule(seq, "0.weight", nn.ReLU()))
err("setsub.buffer", lambda: set_submodule(seq, "1.running_mean", nn.ReLU()))
err("setsub.none", lambda: set_submodule(seq, "n", nn.ReLU()))
seq[-1] = nn.Tanh()
out("setsub.item", ",".join(k + "=" + m._get_name() for k, m in seq._modules.items()))

# extend stops at a position's name a parameter takes: PyTorch keeps what it appended before (Ember: nothing)
seq = nn.Sequential(nn.Linear(1, 1))
seq.register_parameter("2", nn.Parameter(torch.zeros(1)))
err("extend.taken", lambda: seq.extend([nn.ReLU(), nn.Tanh()]))
ml = nn.ModuleList([nn.Linear(1, 1)])
ml.register_parameter("2", nn.Parameter(torch.zeros(1)))
err("extend.taken.ml", lambda: ml.extend([nn.ReLU(), nn.Tanh()]))

# the attributes every module has are taken names: registration refuses them, the lookups find a non-module
lin = nn.Linear(1, 1)
err("pyattr.param", lambda: lin.register_parameter("training", nn.Parameter(torch.zeros(1))))
err("pyattr.module", lambda: lin.add_module("forward", nn.ReLU()))
err("pyattr.dict", lambda: nn.ModuleDict().__setitem__("eval", nn.ReLU()))
err("pyattr.getsub", lambda: lin.get_submodule("training"))
err("pyattr.getp", lambda: lin.get_parameter("half"))
err("pyattr.getb", lambda: lin.get_buffer("_modules"))
err("pyattr.setsub", lambda: set_submodule(lin, "to", nn.ReLU()))

# nn.Parameter of an integer tensor (Ember's asParameter)
err("param.int", lambda: nn.Parameter(torch.zeros(2, dtype=torch.int64)))
