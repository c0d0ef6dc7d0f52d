# Expected values for ModuleExtraStateTest from PyTorch 1.13, whose get_extra_state / set_extra_state,
# _save_to_state_dict and _load_from_state_dict are those of 2.x (torch/nn/modules/module.py):
#   _save_to_state_dict: after the parameters and the persistent buffers,
#       if getattr(self.__class__, "get_extra_state", Module.get_extra_state) is not Module.get_extra_state:
#           destination[prefix + "_extra_state"] = self.get_extra_state()
#   _load_from_state_dict (load_state_dict always calls it with strict=True):
#       if getattr(self.__class__, "set_extra_state", Module.set_extra_state) is not Module.set_extra_state:
#           if extra_state_key in state_dict: self.set_extra_state(state_dict[extra_state_key])
#           elif strict: missing_keys.append(extra_state_key)
#       elif strict and (extra_state_key in state_dict): unexpected_keys.append(extra_state_key)
# Hooks: 1.13's _register_state_dict_hook and _register_load_state_dict_pre_hook(with_module=True) are 2.x's
# register_state_dict_post_hook and register_load_state_dict_pre_hook.
# Run: /usr/bin/python3 make_extra_state.py > extra_state.txt
import collections

import torch
from torch import nn

torch.set_default_dtype(torch.float64)
out = []
log = []


def put(key, value):
    out.append(f"{key}\t{value}")


def err(f):
    try:
        f()
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


def vals(t):
    return str([float(x) for x in t.reshape(-1).tolist()])


class Scaled(nn.Module):
    """Parameters, a persistent and a non-persistent buffer, a child, and a tensor of extra state."""

    def __init__(self, tag):
        super().__init__()
        self.tag = tag
        self.weight = nn.Parameter(torch.arange(4.).reshape(2, 2))
        self.register_buffer("count", torch.tensor([3.]))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
        self.child = nn.Linear(2, 1)
        with torch.no_grad():
            self.child.weight.copy_(torch.tensor([[1., 2.]]))
            self.child.bias.fill_(0.5)
        self.amax = torch.tensor([1.5, 2.5])

    def get_extra_state(self):
        return self.amax

    def set_extra_state(self, state):
        log.append(f"set {self.tag} {vals(state)}")
        self.amax = state.clone()


class GetOnly(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def get_extra_state(self):
        return torch.tensor([7.])


class SetOnly(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))

    def set_extra_state(self, state):
        log.append("setonly " + vals(state))


def model():
    return nn.Sequential(Scaled("a"), nn.ReLU(), Scaled("b"))


# keys and values, in _save_to_state_dict's order
m = model()
sd = m.state_dict()
put("keys", ",".join(sd.keys()))
put("value.0", vals(sd["0._extra_state"]))
put("same", str(sd["0._extra_state"] is m[0].amax))

# a load sets each module's extra state, module by module, after its tensors
src = model()
src[0].amax = torch.tensor([10., 20.])
src[2].amax = torch.tensor([30., 40.])
with torch.no_grad():
    src[2].weight.add_(100)
log.clear()
dst = model()
put("load.result", str(dst.load_state_dict(src.state_dict())))
put("load.log", " | ".join(log))
put("load.amax2", vals(dst[2].amax))
put("load.weight2", vals(dst[2].weight))

# strict: a missing extra state is a missing key, in the module's place
sd = model().state_dict()
del sd["2._extra_state"]
put("missing.strict", err(lambda: model().load_state_dict(sd)))
log.clear()
put("missing.nonstrict", str(model().load_state_dict(sd, strict=False)))
put("missing.nonstrict.log", " | ".join(log))

# every key missing: the order of the missing keys
put("empty.strict", err(lambda: model().load_state_dict({})))

# a missing extra state and an unexpected key together
sd = model().state_dict()
del sd["0._extra_state"]
sd["0.extra"] = torch.zeros(1)
put("mixed.strict", err(lambda: model().load_state_dict(sd)))

# a class that only saves: its entry is unexpected on load
g = nn.Sequential(GetOnly())
sd = g.state_dict()
put("getonly.keys", ",".join(sd.keys()))
put("getonly.strict", err(lambda: nn.Sequential(GetOnly()).load_state_dict(sd)))
put("getonly.nonstrict", str(nn.Sequential(GetOnly()).load_state_dict(sd, strict=False)))

# unexpected keys in PyTorch's order: module by module, a module's unexpected extra state before its other keys
g = nn.Sequential(GetOnly(), GetOnly()).state_dict()
mixed = collections.OrderedDict()
mixed["1.foo"] = torch.zeros(1)
mixed["top"] = torch.zeros(1)
mixed["0.w"] = g["0.w"]
mixed["0.bar"] = torch.zeros(1)
mixed["0._extra_state"] = g["0._extra_state"]
mixed["1.w"] = g["1.w"]
mixed["1._extra_state"] = g["1._extra_state"]
mixed["0.child.x"] = torch.zeros(1)
put("unexpected.order", err(lambda: nn.Sequential(GetOnly(), GetOnly()).load_state_dict(mixed)))

# a class that only loads: its state dict has no entry, a load expects one
s = nn.Sequential(SetOnly())
sd = s.state_dict()
put("setonly.keys", ",".join(sd.keys()))
put("setonly.strict", err(lambda: nn.Sequential(SetOnly()).load_state_dict(sd)))
log.clear()
sd["0._extra_state"] = torch.tensor([5.])
put("setonly.loaded", str(nn.Sequential(SetOnly()).load_state_dict(sd)))
put("setonly.log", " | ".join(log))

# the defaults, called directly
put("default.get", err(lambda: nn.Linear(1, 1).get_extra_state()))
put("default.set", err(lambda: nn.Linear(1, 1).set_extra_state(None)))

# a state-dict post-hook sees the entry; a load pre-hook renames an old checkpoint's key to it
m = model()
seen = []


def post(module, sd, prefix, meta):
    seen.append(prefix + " " + ",".join(sd.keys()))


m[2]._register_state_dict_hook(post)
m.state_dict()
put("posthook.seen", " | ".join(seen))


def rename(module, sd, prefix, meta, strict, missing, unexpected, errors):
    if prefix + "legacy_amax" in sd:
        sd[prefix + "_extra_state"] = sd.pop(prefix + "legacy_amax")


old = model().state_dict()
old["2.legacy_amax"] = old.pop("2._extra_state") * 3
dst = model()
dst[2]._register_load_state_dict_pre_hook(rename, with_module=True)
log.clear()
put("prehook.result", str(dst.load_state_dict(old)))
put("prehook.log", " | ".join(log))

# a module registered under two names: an entry under each, and a load sets it once per name, in order
s = Scaled("s")
shared = nn.Sequential(s, s)
put("shared.keys", ",".join(shared.state_dict().keys()))
sd = shared.state_dict()
sd["0._extra_state"] = torch.tensor([1., 1.])
sd["1._extra_state"] = torch.tensor([2., 2.])
log.clear()
shared.load_state_dict(sd)
put("shared.log", " | ".join(log))

print("\n".join(out))
