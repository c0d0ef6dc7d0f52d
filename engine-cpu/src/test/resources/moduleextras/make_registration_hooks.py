# Expected call traces for ModuleRegistrationHooksTest. The global registration hooks are 2.x's
# (torch.nn.modules.module.register_module_{module,parameter,buffer}_registration_hook); PyTorch 1.13 has none, so
# this script adds them to 1.13's Module at the four places 2.x runs them, by 2.x's rules (not its code):
#   add_module / register_module: the module hooks, after the name checks, None included;
#   register_parameter: the parameter hooks, after the checks, not for None (2.x stores a None parameter first);
#   register_buffer: the buffer hooks, after the checks, None included;
#   __setattr__: a Module value, or None for a name in _modules: the module hooks; a Tensor or None for a name in
#     _buffers: the buffer hooks; a Parameter goes through register_parameter.
# Each hook's non-None output replaces the value. Everything else (ModuleList.append calling add_module,
# ParameterList.__setitem__ calling setattr, register_parametrization, prune, lazy modules) is 1.13's own code, the
# same paths 2.x takes: what the trace checks is which registrations each of those makes, and in what order.
# Run: /usr/bin/python3 make_registration_hooks.py > registration_hooks.txt
import collections

import torch
from torch import nn
import torch.nn.utils.parametrize as parametrize
import torch.nn.utils.prune as prune

torch.manual_seed(0)
MODULE, PARAMETER, BUFFER = collections.OrderedDict(), collections.OrderedDict(), collections.OrderedDict()


def run(hooks, module, name, value):
    for h in list(hooks.values()):
        output = h(module, name, value)
        if output is not None:
            value = output
    return value


_add_module = nn.Module.add_module
_register_parameter = nn.Module.register_parameter
_register_buffer = nn.Module.register_buffer
_setattr = nn.Module.__setattr__


def add_module(self, name, module):
    _add_module(self, name, run(MODULE, self, name, module))


def register_parameter(self, name, param):
    _register_parameter(self, name, param if param is None else run(PARAMETER, self, name, param))


def register_buffer(self, name, tensor, persistent=True):
    _register_buffer(self, name, run(BUFFER, self, name, tensor), persistent)


def setattr_(self, name, value):
    if isinstance(value, nn.Parameter):
        pass  # register_parameter runs the hooks
    elif isinstance(value, nn.Module) or (value is None and name in self.__dict__.get("_modules", {})):
        value = run(MODULE, self, name, value)
    elif name in self.__dict__.get("_buffers", {}) and (value is None or isinstance(value, torch.Tensor)):
        value = run(BUFFER, self, name, value)
    _setattr(self, name, value)


nn.Module.add_module = add_module
nn.Module.register_module = add_module
nn.Module.register_parameter = register_parameter
nn.Module.register_buffer = register_buffer
nn.Module.__setattr__ = setattr_

out = []
trace = []


def put(key, value):
    out.append(f"{key}\t{value}")


def desc(v):
    if v is None:
        return "None"
    if isinstance(v, nn.Module):
        return type(v).__name__
    if type(v).__name__ in ("UninitializedParameter", "UninitializedBuffer"):
        return type(v).__name__
    return f"{type(v).__name__}{list(v.shape)}"


def owner(module):
    # register_parametrization injects a class ParametrizedX (Ember prints that name only while the module has
    # parametrizations): the class it was made from
    cls = type(module)
    return cls.__bases__[0].__name__ if cls.__name__.startswith("Parametrized") else cls.__name__


def recorder(kind):
    def hook(module, name, value):
        trace.append(f"{kind} {owner(module)}.{name} {desc(value)}")
    return hook


handles = {}
for kind, d in (("module", MODULE), ("parameter", PARAMETER), ("buffer", BUFFER)):
    key = len(d) + 1000 * len(handles)
    d[key] = recorder(kind)
    handles[kind] = (d, key)


def case(name, f):
    trace.clear()
    f()
    put(name, " | ".join(trace))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.act = nn.ReLU()
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("mask", None, persistent=False)
        self.scale = nn.Parameter(torch.ones(3))
        self.register_parameter("shift", None)


case("net", lambda: Net())
case("linear.nobias", lambda: nn.Linear(2, 2, bias=False))
case("batchnorm", lambda: nn.BatchNorm1d(3))
case("batchnorm.untracked", lambda: nn.BatchNorm1d(3, affine=False, track_running_stats=False))
case("lstm", lambda: nn.LSTM(2, 3, num_layers=2, bidirectional=True))
case("gru.nobias", lambda: nn.GRU(2, 3, bias=False))
case("embedding", lambda: nn.Embedding(4, 2))
case("conv2d", lambda: nn.Conv2d(1, 2, 3))
case("layernorm", lambda: nn.LayerNorm(3))
case("mha", lambda: nn.MultiheadAttention(4, 2))
case("mha.kdim", lambda: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False))
case("encoderlayer", lambda: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8))
case("modulelist", lambda: nn.ModuleList([nn.ReLU(), nn.Tanh()]).append(nn.Sigmoid()).extend([nn.ReLU()]))
case("moduledict", lambda: nn.ModuleDict({"a": nn.ReLU()}).update({"b": nn.Tanh()}))
case("sequential", lambda: nn.Sequential(nn.ReLU(), nn.Tanh()).append(nn.Sigmoid()))
seq = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid())
case("sequential.slice", lambda: seq[1:])
case("parameterlist", lambda: nn.ParameterList([torch.zeros(2), torch.zeros(3)]).append(torch.zeros(1)))
case("parameterdict", lambda: nn.ParameterDict({"a": torch.zeros(2)}).update({"b": torch.zeros(1)}))


class Holder(nn.Module):
    pass


def addmodule():
    m = Holder()
    m.add_module("x", nn.ReLU())
    m.register_module("y", None)
    m.x = nn.Tanh()   # setattr of an existing submodule (2.x's set_submodule does this)
    m.y = None


case("addmodule", addmodule)


class Twice(nn.Module):
    def forward(self, x):
        return 2 * x


lin = nn.Linear(2, 2)
case("parametrize", lambda: parametrize.register_parametrization(lin, "weight", Twice()))
case("parametrize.append", lambda: parametrize.register_parametrization(lin, "weight", Twice()))
case("parametrize.remove", lambda: parametrize.remove_parametrizations(lin, "weight"))
# spectral_norm: 2.x's _power_method assigns self._u = F.normalize(..., out=self._u), a setattr that runs the
# buffer hooks at every power iteration (_u, then _v, per step), as Ember's does: 15 steps at construction, then one
# more in register_parametrization's consistency check (a training forward, n_power_iterations=1).
def spectral():
    from torch.nn.utils import parametrizations
    parametrizations.spectral_norm(nn.Linear(2, 2))


case("spectralnorm.registrations", spectral)
pl = nn.Linear(2, 2)
case("prune", lambda: prune.l1_unstructured(pl, "weight", amount=2))
case("prune.remove", lambda: prune.remove(pl, "weight"))
lazy = nn.LazyLinear(3)
# LazyLinear first builds a Linear(0, 0, bias=False) (a Parameter[0, 0] weight), then sets its uninitialized ones
case("lazy.construct", lambda: nn.LazyLinear(3))
case("lazy.materialize", lambda: lazy(torch.zeros(1, 2)))


def untrack():  # 2.x's batch_norm_without_running_stats: setattr None on the three buffers
    bn = nn.BatchNorm1d(2)
    trace.clear()
    bn.running_mean = None
    bn.running_var = None
    bn.num_batches_tracked = None
    bn.track_running_stats = False


case("untrack", untrack)

# replacing: a later hook sees an earlier one's output, and the module keeps the last
seen = []
MODULE[5000] = lambda m, n, v: nn.Identity() if isinstance(v, nn.ReLU) else None
MODULE[5001] = lambda m, n, v: seen.append(f"{n} {desc(v)}")
PARAMETER[5002] = lambda m, n, v: nn.Parameter(torch.full(v.shape, 0.5)) if n == "scale" else None
BUFFER[5003] = lambda m, n, v: torch.ones(2) if n == "steps" else None
net = Net()
put("replace.seen", " | ".join(seen))
put("replace.act", type(net.act).__name__)
put("replace.scale", str([float(x) for x in net.scale.tolist()]))
put("replace.steps", str([float(x) for x in net.steps.tolist()]))
put("replace.keys", ",".join(net.state_dict().keys()))
for k in (5000, 5001, 5002, 5003):
    for d in (MODULE, PARAMETER, BUFFER):
        d.pop(k, None)

# removed hooks run no more
for d, key in handles.values():
    del d[key]
case("removed", lambda: Net())

print("\n".join(out))
