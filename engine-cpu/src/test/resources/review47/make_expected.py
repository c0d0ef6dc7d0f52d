# PyTorch's values for Review47Test (helper 6's review of session 47's engine changes).
#   run: cd engine-cpu/src/test/resources/review47 && /usr/bin/python3 make_expected.py > expected.txt
# Format: "<label> <hex>,<hex>,...": each value's IEEE-754 float64 bits (real and imaginary parts interleaved, as
# view_as_real reads a complex tensor). Deterministic: fixed values only, nothing drawn.
# PyTorch 1.13 and 2.x alike: Adagrad's __init__ fills a complex parameter's sum with
# complex(initial_accumulator_value, initial_accumulator_value) (torch/optim/adagrad.py).
import struct

import torch


def hexes(t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t)
    return ','.join(struct.pack('>d', float(v)).hex() for v in t.to(torch.float64).reshape(-1).tolist())


def out(label, t):
    print('%s %s' % (label, hexes(t)))


for name, dt in (('c128', torch.complex128), ('c64', torch.complex64)):
    p = torch.tensor([1 + 2j, -0.5 + 0.25j, 3 - 1j], dtype=dt, requires_grad=True)
    opt = torch.optim.Adagrad([p], lr=0.1, lr_decay=0.01, initial_accumulator_value=0.5)
    out('adagrad_%s_sum0' % name, opt.state[p]['sum'])
    grads = [torch.tensor([0.3 - 0.2j, 1.5 + 0.5j, -0.75 + 0j], dtype=dt),
             torch.tensor([-0.1 + 0.4j, 0.25 - 1j, 2 + 2j], dtype=dt)]
    for k, g in enumerate(grads):
        p.grad = g
        opt.step()
        out('adagrad_%s_p%d' % (name, k + 1), p)
        out('adagrad_%s_sum%d' % (name, k + 1), opt.state[p]['sum'])

# A parameter group whose params list is empty is a group without parameters (add_param_group has no emptiness
# check; only the constructor's whole list must be non-empty): the number of groups, then the first group's
# parameters after one step (lr 0.1, gradient 1).
w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([{'params': [w]}, {'params': []}], lr=0.1)
w.grad = torch.ones(2, dtype=torch.float64)
opt.step()
out('withgroups_empty_group_count', torch.tensor([float(len(opt.param_groups)), float(len(opt.param_groups[1]['params']))]))
out('withgroups_empty_group_w', w)
