# Writes expected.txt for PruneTest.java: torch.nn.utils.prune on Linear and Conv2d, against PyTorch.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes below)
#
# Each case: "=== name", then lines "<key> <value>":
#   init.<param> <tensor>   the module's parameters before pruning (loaded by the test)
#   keys / params / buffers the state dict's, named_parameters' and named_buffers' keys after pruning, in order
#   sd.<key> <tensor>       the state dict after pruning
#   value <tensor>          module.<name> (the pruned tensor) after pruning; fn its grad_fn
#   x <tensor>; out <tensor> an input and the module's output (through __call__, so the pre-hook runs)
#   grad.<param> <tensor>   d sum(out * w) / d parameter, w[k] = 1 + 0.5 * ((3k) mod 11)
#   repr                    print(module), newlines as \n
#   hooks <n>               the number of pruning hooks on the module and its submodules
# or "error <ExceptionType> <message>" for a case that fails, where a tensor is "<dtype> [shape] : values".
#
# 2.x notes: prune.py is the same in 2.x as in 1.13 but for torch.norm: ln_structured with n='fro' over more than two
# dims (a Conv2d weight) calls torch.norm(t, 'fro', dims), which 2.x sends to linalg.matrix_norm ("linalg.matrix_norm:
# dim must be a 2-tuple. Got 0 2 3"); 1.13 says "Expected at most 2 dimensions, but got 3 dimensions instead." The 2.x
# message is written below. The weights are chosen without ties in |w| (CPU topk's order among equal values is
# unspecified), except the case "ties", which records what 1.13's topk picks.
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

torch.manual_seed(0)


def fmt(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        # the shortest digits that read back as the same float32 (the test reads them as float64, then rounds)
        text = "[" + ", ".join(str(np.float32(v)) for v in vals) + "]"
    else:
        text = repr([float(v) for v in vals] if t.dtype.is_floating_point else vals)
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), text)


def seq(shape, dtype, shift=0):
    # distinct magnitudes (no ties in |w|): k-th value (k*37+shift) mod 101, signed, scaled
    n = math.prod(shape)
    v = [(((k * 37 + shift) % 101) - 50.5) / 40.0 for k in range(n)]
    return torch.tensor(v, dtype=torch.float64).reshape(shape).to(dtype)


def weights(shape, dtype):
    n = math.prod(shape)
    return torch.tensor([1 + 0.5 * ((3 * k) % 11) for k in range(n)], dtype=torch.float64).reshape(shape).to(dtype)


def init(m, dtype, shift=0):
    m.to(dtype)
    with torch.no_grad():
        for i, (k, p) in enumerate(m.named_parameters()):
            p.copy_(seq(p.shape, dtype, shift + 13 * i))
    return m


out_lines = []


def emit(name, lines):
    out_lines.append("=== " + name)
    out_lines.extend(lines)


def state(m, name=None, prefix=""):
    lines = []
    lines.append(prefix + "keys " + " ".join(m.state_dict().keys()))
    lines.append(prefix + "params " + " ".join(k for k, _ in m.named_parameters()))
    lines.append(prefix + "buffers " + " ".join(k for k, _ in m.named_buffers()))
    for k, v in m.state_dict().items():
        lines.append(prefix + "sd." + k + " " + fmt(v))
    if name is not None:
        v = getattr(m, name)
        lines.append(prefix + "value " + fmt(v))
        lines.append(prefix + "fn " + (type(v.grad_fn).__name__ if v.grad_fn is not None else "None"))
    lines.append(prefix + "hooks " + str(sum(isinstance(h, prune.BasePruningMethod) for s in m.modules()
                                           for h in s._forward_pre_hooks.values())))
    return lines


def forward(m, x):
    lines = ["x " + fmt(x)]
    out = m(x)
    lines.append("out " + fmt(out))
    (out * weights(out.shape, out.dtype)).sum().backward()
    for k, p in m.named_parameters():
        lines.append("grad." + k + " " + fmt(p.grad))
    return lines


def case(name, make, dtype, ops, x_shape=None, attr="weight", shift=0):
    m = init(make(), dtype, shift)
    lines = ["init." + k + " " + fmt(p) for k, p in m.named_parameters()]
    try:
        ops(m)
    except Exception as e:
        emit(name, lines + ["error %s %s" % (type(e).__name__, str(e))])
        return
    lines += state(m, attr)
    lines.append("repr " + repr(m).replace("\n", "\\n"))
    if x_shape is not None:
        lines += forward(m, seq(x_shape, dtype, 5))
        lines.append("after " + fmt(getattr(m, attr)))
    emit(name, lines)


lin = lambda: nn.Linear(5, 4)
conv = lambda: nn.Conv2d(3, 4, 2)

for dt, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    case("l1_int_" + tag, lin, dt, lambda m: prune.l1_unstructured(m, "weight", amount=7), (3, 5))
    case("l1_float_" + tag, lin, dt, lambda m: prune.l1_unstructured(m, "weight", amount=0.35), (3, 5))
    case("l1_bias_" + tag, lin, dt, lambda m: prune.l1_unstructured(m, "bias", amount=0.5), (3, 5), attr="bias")
    case("l1_conv_" + tag, conv, dt, lambda m: prune.l1_unstructured(m, "weight", amount=0.4), (2, 3, 3, 3))
    for n, nt in ((2, "2"), (1, "1"), (float("inf"), "inf"), (float("-inf"), "ninf"), (0.5, "half"), (3, "3")):
        case("ln_conv_%s_%s" % (nt, tag), conv, dt, lambda m, n=n: prune.ln_structured(m, "weight", 2, n, 0), (2, 3, 3, 3))
    case("ln_conv_dim1_" + tag, conv, dt, lambda m: prune.ln_structured(m, "weight", 0.34, 1, 1), (2, 3, 3, 3))
    case("ln_conv_dimneg_" + tag, conv, dt, lambda m: prune.ln_structured(m, "weight", 1, 2, -1), (2, 3, 3, 3))
    case("ln_lin_fro_" + tag, lin, dt, lambda m: prune.ln_structured(m, "weight", 0.5, "fro", 0), (3, 5))
    case("ln_lin_dim1_" + tag, lin, dt, lambda m: prune.ln_structured(m, "weight", 2, 2, 1), (3, 5))


# rounding of fractional amounts (Python's round: half to even): 6 * 0.25 = 1.5 -> 2, 5 * 0.5 = 2.5 -> 2,
# 6 * 0.75 = 4.5 -> 4, 10 * 0.05 = 0.5 -> 0, 10 * 0.15 = 1.5 -> 2
def rounding(m):
    prune.l1_unstructured(m, "weight", amount=0.25)


case("round_6x0.25", lambda: nn.Linear(3, 2), torch.float64, rounding)
case("round_5x0.5", lambda: nn.Linear(5, 1), torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=0.5))
case("round_6x0.75", lambda: nn.Linear(3, 2), torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=0.75))
case("round_10x0.05", lambda: nn.Linear(5, 2), torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=0.05))
case("round_10x0.15", lambda: nn.Linear(5, 2), torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=0.15))
case("zero_amount", lin, torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=0), (3, 5))
case("all_amount", lin, torch.float64, lambda m: prune.l1_unstructured(m, "weight", amount=1.0), (3, 5))
case("ln_zero", conv, torch.float64, lambda m: prune.ln_structured(m, "weight", 0, 2, 0), (2, 3, 3, 3))
case("ln_all", conv, torch.float64, lambda m: prune.ln_structured(m, "weight", 4, 2, 0), (2, 3, 3, 3))

# importance scores: a different ordering than |w|
case("l1_scores", lin, torch.float64,
     lambda m: prune.l1_unstructured(m, "weight", 6, importance_scores=seq((4, 5), torch.float64, 29)), (3, 5))
case("ln_scores", conv, torch.float64,
     lambda m: prune.ln_structured(m, "weight", 2, 1, 0, importance_scores=seq((4, 3, 2, 2), torch.float64, 61)), (2, 3, 3, 3))


# iterative pruning: the container and the masks combined over what is left
def it1(m):
    prune.l1_unstructured(m, "weight", amount=5)
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)
    prune.l1_unstructured(m, "weight", amount=0.25)


def it2(m):
    prune.ln_structured(m, "weight", amount=2, n=1, dim=1)
    prune.l1_unstructured(m, "weight", amount=0.5)


def it3(m):
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)
    prune.ln_structured(m, "weight", amount=0.5, n=float("inf"), dim=0)  # 3 channels left: round(1.5) = 2


def it4(m):
    prune.l1_unstructured(m, "weight", amount=0.3)
    prune.ln_structured(m, "weight", amount=1, n=2, dim=-1)


def it5(m):
    prune.identity(m, "weight")
    prune.custom_from_mask(m, "weight", mask=(seq((4, 5), torch.float64, 3) > 0).to(torch.int64))
    prune.l1_unstructured(m, "weight", amount=3)


for dt, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    case("iter_l1_ln_l1_" + tag, lin, dt, it1, (3, 5))
    case("iter_ln_l1_" + tag, lin, dt, it2, (3, 5))
    case("iter_conv_" + tag, conv, dt, it4, (2, 3, 3, 3))
case("iter_ln_ln", conv, torch.float64, it3, (2, 3, 3, 3))
case("iter_identity_custom_l1", lin, torch.float64, it5, (3, 5))


def it6(m):
    # a structured method on a 1-d tensor inside a container: the remaining-channel sum is over no dims (all of
    # them), a 0-d bool, so the method sees the tensor as [1, n] and prunes its one "channel": all of it
    prune.l1_unstructured(m, "bias", amount=1)
    prune.ln_structured(m, "bias", amount=1, n=2, dim=0)


def it7(m):
    # float64 scores for a float32 parameter: the container's mask takes the scores' dtype
    prune.l1_unstructured(m, "weight", amount=1)
    prune.l1_unstructured(m, "weight", amount=2, importance_scores=seq((4, 5), torch.float64, 17))


case("iter_bias_1d", lin, torch.float64, it6, (3, 5), attr="bias")
case("iter_scores_dtype", lin, torch.float32, it7, (3, 5))
case("identity_bias", lin, torch.float64, lambda m: prune.identity(m, "bias"), (3, 5), attr="bias")
case("custom_mask", lin, torch.float64,
     lambda m: prune.custom_from_mask(m, "weight", mask=torch.tensor([[1, 0, 1, 1, 0]] * 4)), (3, 5))
case("custom_mask_bool", lin, torch.float32,
     lambda m: prune.custom_from_mask(m, "bias", mask=torch.tensor([True, False, False, True])), (3, 5), attr="bias")


# remove: the pruning made permanent
def rem(m):
    prune.l1_unstructured(m, "weight", amount=8)
    prune.ln_structured(m, "weight", amount=1, n=2, dim=1)
    prune.remove(m, "weight")


case("remove", lin, torch.float64, rem, (3, 5))


def rem_bias(m):
    prune.l1_unstructured(m, "bias", amount=1)
    prune.remove(m, "bias")


case("remove_bias", lin, torch.float64, rem_bias, (3, 5), attr="bias")


# global pruning across a Linear and a Conv2d
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 2)
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(self.conv(x).sum((2, 3)))


def net_case(name, dtype, ops):
    m = init(Net(), dtype)
    lines = ["init." + k + " " + fmt(p) for k, p in m.named_parameters()]
    try:
        ops(m)
    except Exception as e:
        emit(name, lines + ["error %s %s" % (type(e).__name__, str(e))])
        return
    lines += state(m, None)
    lines.append("conv.value " + fmt(m.conv.weight))
    lines.append("fc.value " + fmt(m.fc.weight))
    lines.append("pruned " + str(prune.is_pruned(m)))
    lines.append("repr " + repr(m).replace("\n", "\\n"))
    lines += forward(m, seq((2, 2, 3, 3), dtype, 5))
    emit(name, lines)


def g1(m):
    prune.global_unstructured([(m.conv, "weight"), (m.fc, "weight")], pruning_method=prune.L1Unstructured, amount=10)


def g2(m):
    prune.global_unstructured([(m.conv, "weight"), (m.fc, "weight"), (m.fc, "bias")],
                              pruning_method=prune.L1Unstructured, amount=0.3)


def g3(m):
    prune.l1_unstructured(m.fc, "weight", amount=2)
    prune.global_unstructured([(m.conv, "weight"), (m.fc, "weight")], pruning_method=prune.L1Unstructured,
                              importance_scores={(m.fc, "weight"): seq((2, 3), torch.float64, 7).to(m.fc.weight.dtype)},
                              amount=8)


def g4(m):
    prune.ln_structured(m.conv, "weight", amount=1, n=2, dim=0)
    prune.global_unstructured([(m.conv, "weight"), (m.fc, "weight")], pruning_method=prune.L1Unstructured, amount=0.5)


for dt, tag in ((torch.float64, "f64"), (torch.float32, "f32")):
    net_case("global_count_" + tag, dt, g1)
    net_case("global_float_" + tag, dt, g2)
    net_case("global_scores_" + tag, dt, g3)
    net_case("global_after_ln_" + tag, dt, g4)

# ties in |w|: CPU topk(largest=False) picks among equal values in an unspecified order; record what 1.13 picks
tie = nn.Linear(4, 2).double()
with torch.no_grad():
    tie.weight.copy_(torch.tensor([[1.0, -2.0, 1.0, 3.0], [-1.0, 2.0, 0.5, 1.0]]))
prune.l1_unstructured(tie, "weight", amount=3)
emit("ties", ["init.weight " + fmt(torch.tensor([[1.0, -2.0, 1.0, 3.0], [-1.0, 2.0, 0.5, 1.0]], dtype=torch.float64)),
              "sd.weight_mask " + fmt(tie.weight_mask)])

# prune() of a method on a plain tensor
t = seq((3, 4), torch.float64, 11)
emit("method_prune", ["t " + fmt(t),
                      "l1 " + fmt(prune.L1Unstructured(amount=4).prune(t)),
                      "ln " + fmt(prune.LnStructured(amount=1, n=1, dim=1).prune(t)),
                      "ln_default " + fmt(prune.LnStructured(amount=2, n=2, dim=0).prune(t, default_mask=(t > -0.8).double())),
                      "l1_scores " + fmt(prune.L1Unstructured(amount=5).prune(t, importance_scores=seq((3, 4), torch.float64, 2))),
                      "identity " + fmt(prune.Identity().prune(t))])


# errors (the module is left as it was: see PruneTest)
def err(name, f):
    try:
        f()
        emit(name, ["value no error"])
    except Exception as e:
        emit(name, ["error %s %s" % (type(e).__name__, str(e))])


mk = lambda: init(nn.Linear(3, 2), torch.float64)
err("err_no_param", lambda: prune.l1_unstructured(mk(), "foo", amount=1))
err("err_negative", lambda: prune.l1_unstructured(mk(), "weight", amount=-1))
err("err_above_one", lambda: prune.l1_unstructured(mk(), "weight", amount=1.5))
err("err_negative_float", lambda: prune.random_unstructured(mk(), "weight", amount=-0.1))
err("err_too_many", lambda: prune.l1_unstructured(mk(), "weight", amount=7))
err("err_nan", lambda: prune.l1_unstructured(mk(), "weight", amount=float("nan")))
err("err_structured_1d", lambda: prune.ln_structured(mk(), "bias", 1, 2, 0))
err("err_random_structured_1d", lambda: prune.random_structured(mk(), "bias", 1, 0))
err("err_dim", lambda: prune.ln_structured(mk(), "weight", 1, 2, 2))
err("err_dim_negative", lambda: prune.ln_structured(mk(), "weight", 1, 2, -3))
err("err_structured_too_many", lambda: prune.random_structured(mk(), "weight", 3, 0))
err("err_scores_shape", lambda: prune.l1_unstructured(mk(), "weight", 1, importance_scores=torch.ones(3)))
err("err_remove_unpruned", lambda: prune.remove(mk(), "weight"))
err("err_buffer", lambda: prune.l1_unstructured(init(nn.BatchNorm1d(3), torch.float64), "running_mean", 1))


def twice(m):
    prune.l1_unstructured(m, "weight", amount=4)
    prune.l1_unstructured(m, "weight", amount=3)  # 2 entries left


def twice_structured(m):
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)
    prune.ln_structured(m, "weight", amount=2, n=2, dim=0)  # 1 channel left


def remove_twice(m):
    prune.l1_unstructured(m, "weight", amount=1)
    prune.remove(m, "weight")
    prune.remove(m, "weight")


err("err_twice", lambda: twice(mk()))
err("err_twice_structured", lambda: twice_structured(mk()))
def bias_dim(m):
    prune.l1_unstructured(m, "bias", amount=1)
    prune.ln_structured(m, "bias", amount=1, n=2, dim=1)


# a parameter registered as None (GroupNorm without affine)
nb = lambda: nn.GroupNorm(2, 4, affine=False).double()
err("err_absent", lambda: prune.l1_unstructured(nb(), "weight", 1))
err("err_absent_scores", lambda: prune.l1_unstructured(nb(), "weight", 1, importance_scores=torch.ones(4)))
err("err_global_empty", lambda: prune.global_unstructured([], prune.L1Unstructured, amount=1))
err("err_global_absent", lambda: prune.global_unstructured([(nb(), "weight")], prune.L1Unstructured, amount=1))
err("err_remove_twice", lambda: remove_twice(mk()))
err("err_bias_dim", lambda: bias_dim(mk()))
err("err_fro_conv", lambda: prune.ln_structured(init(nn.Conv2d(3, 4, 2), torch.float64), "weight", 1, "fro", 0))
# 2.x: torch.norm(t, 'fro', [1, 2, 3]) goes to linalg.matrix_norm (see the top); 1.13's message is replaced by 2.x's
assert out_lines[-1] == "error RuntimeError Expected at most 2 dimensions, but got 3 dimensions instead."
out_lines[-1] = "error RuntimeError linalg.matrix_norm: dim must be a 2-tuple. Got 1 2 3"
err("err_global_structured", lambda: prune.global_unstructured([(mk(), "weight")], prune.LnStructured, amount=1, n=2, dim=0))
err("err_global_too_many", lambda: prune.global_unstructured([(mk(), "weight"), (mk(), "bias")], prune.L1Unstructured,
                                                             amount=9))
err("err_global_no_param", lambda: prune.global_unstructured([(mk(), "foo")], prune.L1Unstructured, amount=1))
err("err_global_negative", lambda: prune.global_unstructured([(mk(), "weight")], prune.L1Unstructured, amount=-2))

print("\n".join(out_lines))
