# PyTorch's values for FuzzRound26FixesTest (the regressions of differential fuzz round 26, torch.nn.utils).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr26 && /usr/bin/python3 make_fixes.py > fixes.txt
# Format: "<label> <value>": a refusal as "<Python exception class>: <message>", values comma separated (Python's repr),
# names comma separated, 0/1 flags.
# 2.x, not 1.13 (the same emulations as make_cases.py, imported from it): parametrizations.weight_norm (2.1's, absent
# from 1.13), fuse_linear_bn_eval (2.x's fusion.py: a layer without bias gets a fused bias that does not require grad)
# and set_'s dtype refusal (2.x's TORCH_CHECK wording, where 1.13 fails an internal assertion), in message().
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as P
from torch.nn.utils import parametrizations as PZ

from make_cases import F32, Flat, Neg, Scale, Split, fuse_2x, message, weight_norm_2x


def out(label, value):
    print("%s %s" % (label, value))


def err(label, f):
    try:
        f()
        out(label, "no error")
    except Exception as e:  # noqa: BLE001 - the refusal is the value
        out(label, message(e))


def vals(t):
    return ",".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def names(m):
    return ",".join("%s:%d" % (k, int(p.requires_grad)) for k, p in m.named_parameters())


def lin(i, o, bias=True):
    m = nn.Linear(i, o, bias=bias).double()
    with torch.no_grad():
        for k, p in enumerate(m.parameters()):
            i = torch.arange(p.numel(), dtype=torch.int64)
            p.copy_(((((i * i * 3 + i * 5 + 2 * k) % 13) - 6) * 0.125).to(torch.float64).reshape(p.shape))
    return m


class Twice(nn.Module):
    """No right inverse."""

    def forward(self, x):
        return x * 2


class TwoOrig(nn.Module):
    """Two originals from its right inverse, a forward of one."""

    def forward(self, x):
        return x

    def right_inverse(self, x):
        return x, x


# the class PyTorch injects names a parametrized module in AttributeError; it reverts once nothing is parametrized
m = lin(3, 3)
P.register_parametrization(m, "weight", Scale())
err("attr_parametrized", lambda: getattr(m, "nope"))
P.remove_parametrizations(m, "weight")
err("attr_removed", lambda: getattr(m, "nope"))

# assigning through a parametrization without right_inverse: RuntimeError
m = lin(3, 3)
P.register_parametrization(m, "weight", Twice())
err("assign_no_inverse", lambda: setattr(m, "weight", torch.zeros(3, 3, dtype=torch.float64)))
m = lin(3, 3)
P.register_parametrization(m, "weight", Flat(), unsafe=True)
err("assign_no_inverse_flat", lambda: setattr(m, "weight", torch.zeros(9, dtype=torch.float64)))

# a parametrization of one input given two originals
m = lin(3, 3)
P.register_parametrization(m, "weight", TwoOrig(), unsafe=True)
err("two_originals_one_input", lambda: getattr(m, "weight"))

# weight_norm (2.x) of a missing name: register_parametrization's refusal
err("wn_missing", lambda: weight_norm_2x(lin(3, 3), "nope"))
# weight_norm stacked on another parametrization gets one tensor
m = lin(3, 3)
P.register_parametrization(m, "weight", Split())
weight_norm_2x(m, "weight")
err("wn_stacked_read", lambda: getattr(m, "weight"))
# spectral_norm / orthogonal of that broken value: getattr's error, not "has no parameter or buffer"
err("sn_of_broken", lambda: PZ.spectral_norm(m, "weight"))
err("orth_of_broken", lambda: PZ.orthogonal(m, "weight"))

# orthogonal stacked on another parametrization: no right inverse ran, its base is None
m = lin(3, 3)
P.register_parametrization(m, "weight", Neg())
PZ.orthogonal(m, "weight")
out("orth_stacked_names", names(m))
err("orth_stacked_read", lambda: getattr(m, "weight"))

# remove_parametrizations(leave_parametrized=True) of an unsafe dtype change: set_ refuses, nothing changes
m = lin(3, 3)
P.register_parametrization(m, "weight", F32(), unsafe=True)
err("remove_f32_parameter", lambda: P.remove_parametrizations(m, "weight"))
out("remove_f32_parameter_names", names(m))
bn = nn.BatchNorm1d(3).double()
P.register_parametrization(bn, "running_mean", F32(), unsafe=True)
err("remove_f32_buffer", lambda: P.remove_parametrizations(bn, "running_mean"))
out("remove_f32_buffer_parametrized", int(P.is_parametrized(bn, "running_mean")))

# orthogonal's householder map without trivialization: the original as LAPACK's geqrf lays it out
m = lin(4, 3)  # weight 3 x 4: transposed, row-major
PZ.orthogonal(m, "weight", orthogonal_map="householder", use_trivialization=False)
out("householder_wide_p2v", vals(torch.nn.utils.parameters_to_vector(m.parameters())))
m = lin(3, 4)  # weight 4 x 3: column-major
PZ.orthogonal(m, "weight", orthogonal_map="householder", use_trivialization=False)
err("householder_tall_p2v", lambda: torch.nn.utils.parameters_to_vector(m.parameters()))
out("householder_tall_value", vals(m.weight))


# fusion of a layer without bias whose weight was re-registered (old weight_norm removed): the deep copy's parameter
# order, and a fused bias that does not require grad
def bn_of(n):
    b = nn.BatchNorm1d(n).double()
    with torch.no_grad():
        b.weight.copy_(torch.tensor([0.5, -1.0, 2.0][:n], dtype=torch.float64))
        b.bias.copy_(torch.tensor([0.25, 0.0, -0.75][:n], dtype=torch.float64))
        b.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3][:n], dtype=torch.float64))
        b.running_var.copy_(torch.tensor([1.5, 0.5, 2.0][:n], dtype=torch.float64))
    return b.eval()


m = lin(3, 3, bias=False)
torch.nn.utils.weight_norm(m, "weight")
torch.nn.utils.remove_weight_norm(m, "weight")
fused = fuse_2x(m.eval(), bn_of(3))
out("fuse_names", names(fused))
out("fuse_weight", vals(fused.weight))
out("fuse_bias", vals(fused.bias))
