# Expected values for StateDictHooksTest from PyTorch 1.13, through the hooks 2.x made public under these names:
#   register_state_dict_post_hook      = 1.13's _register_state_dict_hook (a hook returning None changes the dict in place)
#   register_load_state_dict_pre_hook  = 1.13's _register_load_state_dict_pre_hook(hook, with_module=True)
#   register_load_state_dict_post_hook = the same in 1.13 and 2.x
# (register_state_dict_pre_hook, 2.x only, is tested by 2.x's rule: called with (module, prefix, keep_vars) before the
# module's entries are saved.) Run: /usr/bin/python3 make_expected.py > strings.txt
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
out = []


def put(key, value):
    out.append(f"{key}\t{value}")


def model():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(torch.arange(p.numel(), dtype=torch.float64).reshape(p.shape) + 10 * i)
    return m


def err(f):
    try:
        f()
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


# saving: post-hooks rename a submodule's keys and see the dict with everything under them
m = model()
calls = []


def rename(module, sd, prefix, meta):
    calls.append("post0 " + prefix + " " + ",".join(sd.keys()))
    sd[prefix + "w"] = sd.pop(prefix + "weight")


def root_post(module, sd, prefix, meta):
    calls.append("post_root [" + prefix + "] " + ",".join(sd.keys()))


m[0]._register_state_dict_hook(rename)
m._register_state_dict_hook(root_post)
sd = m.state_dict()
put("save.calls", " | ".join(calls))
put("save.keys", ",".join(sd.keys()))

# loading: a pre-hook renames an older checkpoint's keys; post-hooks run children first and may clear missing keys
m = model()
old = {k: v + 100 for k, v in m.state_dict().items()}
old["0.w"] = old.pop("0.weight")
del old["2.bias"]
calls = []


def pre0(module, sd, prefix, meta, strict, missing, unexpected, errors):
    calls.append("pre0 " + prefix + " " + ",".join(sorted(sd.keys())))
    if prefix + "w" in sd:
        sd[prefix + "weight"] = sd.pop(prefix + "w")


def pre_root(module, sd, prefix, meta, strict, missing, unexpected, errors):
    calls.append("pre_root [" + prefix + "]")


m[0]._register_load_state_dict_pre_hook(pre0, with_module=True)
m._register_load_state_dict_pre_hook(pre_root, with_module=True)


def post_named(name, clear):
    def hook(module, keys):
        calls.append(name + " " + str(keys.missing_keys))
        if clear:
            keys.missing_keys.clear()
    return hook


m[2].register_load_state_dict_post_hook(post_named("post2", False))
m[0].register_load_state_dict_post_hook(post_named("post0", False))
m.register_load_state_dict_post_hook(post_named("post_root", True))
r = m.load_state_dict(old)
put("load.calls", " | ".join(calls))
put("load.result", str(r))
put("load.weight0", str(m[0].weight.reshape(-1).tolist()))
put("load.bias2", str(m[2].bias.reshape(-1).tolist()))

# a post-hook that leaves the missing key: the strict load fails after the hooks
m = model()
m.register_load_state_dict_post_hook(lambda module, keys: None)
part = {k: v for k, v in m.state_dict().items() if k != "2.bias"}
put("strict.error", err(lambda: m.load_state_dict(part)))
put("nonstrict.result", str(m.load_state_dict(part, strict=False)))

# a pre-hook's error message fails the load
m = model()
m._register_load_state_dict_pre_hook(
    lambda module, sd, prefix, meta, strict, missing, unexpected, errors: errors.append("checkpoint too old"),
    with_module=True)
put("prehook.error", err(lambda: m.load_state_dict(m.state_dict())))
for line in out:
    print(line)
