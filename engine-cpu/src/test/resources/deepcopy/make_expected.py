# Facts of PyTorch's copy.deepcopy on modules, tensors and state dicts, for DeepCopyTest.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13; each fact is the same in 2.x, whose
# Tensor.__deepcopy__ / Parameter.__deepcopy__ keep 1.13's rules; the non-leaf message is 2.1+'s, quoted in the test.)
# One line per fact: "scenario.fact value".
import copy
import torch
import torch.nn as nn
import torch.nn.utils.prune

torch.manual_seed(0)
out = []


def fact(k, v):
    out.append(f"{k} {v}")


# tied weights: the same Parameter in two layers gives one copy
l1, l2 = nn.Linear(3, 3), nn.Linear(3, 3)
l2.weight = l1.weight
seq = nn.Sequential(l1, l2)
c = copy.deepcopy(seq)
fact("tied.copy_tied", c[0].weight is c[1].weight)
fact("tied.shared_with_original", c[0].weight is seq[0].weight)
fact("tied.num_parameters", len(list(c.parameters())))
fact("tied.is_parameter", isinstance(c[1].weight, nn.Parameter))


# buffers that are views of one storage stay views of one new storage; a parameter's view does not
class Views(nn.Module):
    def __init__(self):
        super().__init__()
        self.p = nn.Parameter(torch.arange(4.0))
        self.register_buffer("a", torch.zeros(4))
        self.register_buffer("b", self.a[1:3])
        with torch.no_grad():
            self.register_buffer("pv", self.p[1:3])


v = Views()
c = copy.deepcopy(v)
with torch.no_grad():
    c.a.add_(1)
    c.p.add_(10)
fact("views.copy_b_follows_a", c.b.tolist())
fact("views.copy_b_offset", c.b.storage_offset())
fact("views.original_a", v.a.tolist())
fact("views.copy_pv_after_p_changed", c.pv.tolist())
fact("views.copy_pv_offset", c.pv.storage_offset())

# requires_grad, grads: a parameter's grad is not copied, a plain tensor's is; requires_grad=False kept
lin = nn.Linear(2, 2)
lin.bias.requires_grad_(False)
lin(torch.ones(1, 2)).sum().backward()
c = copy.deepcopy(lin)
fact("grads.weight_grad_copied", c.weight.grad is not None)
fact("grads.bias_requires_grad", c.bias.requires_grad)
fact("grads.weight_requires_grad", c.weight.requires_grad)
t = torch.ones(2, requires_grad=True)
(t * 3).sum().backward()
tc = copy.deepcopy(t)
fact("grads.plain_grad", tc.grad.tolist())
fact("grads.plain_grad_same_object", tc.grad is t.grad)
fact("grads.plain_requires_grad", tc.requires_grad)
fact("grads.plain_is_leaf", tc.is_leaf)

# training flag and forward hooks (the hook function is shared: it appends to the same list)
seen = []
m = nn.Linear(2, 2)
m.register_forward_hook(lambda mod, i, o: seen.append(mod))
m.eval()
c = copy.deepcopy(m)
c(torch.ones(1, 2))
fact("hooks.copy_training", c.training)
fact("hooks.calls_after_copy_forward", len(seen))
fact("hooks.hook_saw_copy", seen[0] is c)

# a non-leaf tensor is refused: legacy weight_norm's weight after a forward, pruning's weight
try:
    copy.deepcopy(torch.ones(2, requires_grad=True) * 2)
    fact("nonleaf.tensor", "copied")
except RuntimeError as e:
    fact("nonleaf.tensor", "RuntimeError")
wn = torch.nn.utils.weight_norm(nn.Linear(2, 2))
wn(torch.ones(1, 2))
try:
    copy.deepcopy(wn)
    fact("nonleaf.weight_norm", "copied")
except RuntimeError:
    fact("nonleaf.weight_norm", "RuntimeError")
pr = nn.Linear(3, 2)
torch.nn.utils.prune.l1_unstructured(pr, "weight", amount=0.5)
try:
    copy.deepcopy(pr)
    fact("nonleaf.pruned", "copied")
except RuntimeError:
    fact("nonleaf.pruned", "RuntimeError")
with torch.no_grad():
    pr2 = nn.Linear(3, 2)
    torch.nn.utils.prune.l1_unstructured(pr2, "weight", amount=0.5)
cp2 = copy.deepcopy(pr2)  # made under no_grad: the computed weight is a leaf
fact("nonleaf.pruned_under_no_grad", sorted(n for n, _ in cp2.named_buffers()))

# lazy modules stay uninitialized; the copy's first forward leaves the original uninitialized
lz = nn.LazyLinear(3)
c = copy.deepcopy(lz)
c(torch.ones(2, 5))
fact("lazy.copy_in_features", c.in_features)
fact("lazy.original_uninitialized", lz.has_uninitialized_params())
fact("lazy.copy_weight_shape", list(c.weight.shape))

# a state dict's deep copy is a snapshot; the state dict itself shares the parameters
m = nn.Linear(2, 2)
sd = m.state_dict()
snap = copy.deepcopy(sd)
with torch.no_grad():
    m.weight.fill_(5)
fact("state_dict.shared_changed", bool((sd["weight"] == 5).all()))
fact("state_dict.snapshot_changed", bool((snap["weight"] == 5).all()))
fact("state_dict.snapshot_keys", list(snap.keys()))

# an optimizer's state dict copies its tensors
opt = torch.optim.Adam(m.parameters(), lr=0.1)
m(torch.ones(1, 2)).sum().backward()
opt.step()
osd = copy.deepcopy(opt.state_dict())
before = osd["state"][0]["exp_avg"].clone()
opt.step()
fact("optim.snapshot_kept", bool(torch.equal(osd["state"][0]["exp_avg"], before)))
fact("optim.step_value", float(osd["state"][0]["step"]))

# a tensor's dtype, shape, strides and offset are kept (a transposed buffer)
x = torch.arange(6.0).reshape(2, 3).t()
xc = copy.deepcopy(x)
fact("tensor.stride", list(xc.stride()))
fact("tensor.equal", bool(torch.equal(x, xc)))
ic = copy.deepcopy(torch.tensor([1, 2, 3]))
fact("tensor.int_dtype", ic.dtype)

# an EMA teacher made by deepcopy (BYOL/DINO/mean teacher): three steps of the student, the teacher following
torch.set_default_dtype(torch.float64)
student = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
with torch.no_grad():
    for i, p in enumerate(student.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float64) + i).reshape(p.shape) * 0.5)
teacher = copy.deepcopy(student)
for p in teacher.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)
x = torch.cos(torch.arange(15, dtype=torch.float64)).reshape(5, 3)
for step in range(3):
    loss = ((student(x) - teacher(x * 0.5)) ** 2).mean() + (student(x) ** 2).mean() * 0.1
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        for pt, ps in zip(teacher.parameters(), student.parameters()):
            pt.mul_(0.9).add_(ps, alpha=0.1)
    fact(f"ema.loss{step}", repr(loss.item()))
fact("ema.teacher", [repr(v) for v in torch.cat([p.reshape(-1) for p in teacher.parameters()]).tolist()])
fact("ema.student", [repr(v) for v in torch.cat([p.reshape(-1) for p in student.parameters()]).tolist()])
fact("ema.teacher_requires_grad", any(p.requires_grad for p in teacher.parameters()))

for line in out:
    print(line)
