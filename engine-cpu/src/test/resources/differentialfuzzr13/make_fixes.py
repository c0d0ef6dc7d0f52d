# Expected values of FuzzRound13FixesTest (the fixes fuzz round 13 led to), from PyTorch 1.13, whose code on these paths
# is 2.x's (CosineAnnealingLR.get_lr; SGD's and Adam's state entries kept after an option changes).
#   run: cd engine-cpu/src/test/resources/differentialfuzzr13 && /usr/bin/python3 make_fixes.py > fixes.txt
import torch

torch.set_default_dtype(torch.float64)


def rates(opt):
    return " ".join(repr(g["lr"]) for g in opt.param_groups)


# a group added after CosineAnnealingLR was made: the recursive form anneals it, the two forms that zip with base_lrs
# (the first step of a resumed schedule, and the epoch after each T_max) leave it
w0 = torch.zeros(2, requires_grad=True)
w1 = torch.zeros(3, requires_grad=True)
opt = torch.optim.SGD([w0], lr=0.1)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.01)
for _ in range(2):
    opt.step()
    sched.step()
opt.add_param_group({"params": [w1], "lr": 0.05})
for k in range(3, 9):
    opt.step()
    sched.step()
    print("cosine %d %s last %s" % (k, rates(opt), " ".join(repr(x) for x in sched.get_last_lr())))

# SGD's momentum_buffer kept after momentum is set to 0: in the state dict, loaded by a fresh SGD, and used again when
# momentum comes back
p = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
p.grad = torch.tensor([0.5, 0.25])
opt.step()
opt.param_groups[0]["momentum"] = 0.0
p.grad = torch.tensor([1.0, -1.0])
opt.step()
sd = opt.state_dict()
q = p.detach().clone().requires_grad_(True)
twin = torch.optim.SGD([q], lr=0.1, momentum=0.9)
twin.load_state_dict(sd)
print("sgd keys " + " ".join(sorted(twin.state_dict()["state"][0])))
twin.param_groups[0]["momentum"] = 0.9
q.grad = torch.tensor([0.5, 0.5])
twin.step()
print("sgd q " + " ".join(repr(x) for x in q.tolist()))
print("sgd buf " + " ".join(repr(x) for x in twin.state_dict()["state"][0]["momentum_buffer"].tolist()))

# CyclicLR's state saved after a group was added (its lists hold the two groups it was made over) loaded into a fresh
# CyclicLR over the three groups: PyTorch takes it, and its steps zip base_lrs with max_lrs (the third group keeps its
# rate)
w0 = torch.zeros(2, requires_grad=True)
w1 = torch.zeros(3, requires_grad=True)
w2 = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([{"params": [w0]}, {"params": [w1], "lr": 0.2}], lr=0.1)
sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=[0.1, 0.3], step_size_up=2, cycle_momentum=False)
for _ in range(3):
    opt.step()
    sched.step()
opt.add_param_group({"params": [w2], "lr": 0.05})
so, ss = opt.state_dict(), sched.state_dict()
ss.pop("_scale_fn_ref", None)
opt2 = torch.optim.SGD([{"params": [w0]}, {"params": [w1], "lr": 0.2}], lr=0.1)
opt2.add_param_group({"params": [w2], "lr": 0.05})
sched2 = torch.optim.lr_scheduler.CyclicLR(opt2, base_lr=0.01, max_lr=[0.1, 0.3, 0.3], step_size_up=2,
                                           cycle_momentum=False)
opt2.load_state_dict(so)
sched2.load_state_dict(ss)
for k in range(2):
    opt2.step()
    sched2.step()
    print("cyclic %d %s last %s" % (k, rates(opt2), " ".join(repr(x) for x in sched2.get_last_lr())))
