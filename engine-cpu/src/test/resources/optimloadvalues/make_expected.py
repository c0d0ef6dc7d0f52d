# Writes expected.txt: what PyTorch's Optimizer.load_state_dict does with state tensors of any values and types (it
# checks only the number of parameter groups and their sizes, and casts each state tensor but 'step' to the
# parameter's dtype and device), and the parameter after one more step. Read by OptimizerLoadValuesTest.java.
#   run: /usr/bin/python3 make_expected.py > expected.txt      (PyTorch 1.13 on the CPU; load_state_dict's cast is the
#   same in 2.x: _process_value_according_to_param_policy casts floating-point params' state to their dtype)
# Lines: "<case> state <key> <dtype> : values" and "<case> param : values" (after a step with grad ones); "<case> error
# <message>" where PyTorch refuses to load.
import copy

import torch


def fmt(t):
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1).tolist())


def run(name, make, mutate):
    p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0]))
    opt = make([p])
    p.grad = torch.ones(3)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    mutate(sd)
    try:
        opt.load_state_dict(sd)
    except Exception as e:  # noqa: BLE001
        print("%s error %s" % (name, e))
        return
    for k, v in opt.state[p].items():
        print("%s state %s %s : %s" % (name, k, str(v.dtype).replace("torch.", ""), fmt(v)))
    p.grad = torch.ones(3)
    opt.step()
    print("%s param : %s" % (name, fmt(p)))


def sgd(ps):
    return torch.optim.SGD(ps, lr=0.1, momentum=0.9)


def adam(ps):
    return torch.optim.Adam(ps, lr=0.1)


def put(key, value):
    return lambda sd: sd["state"][0].update({key: value})


run("sgd_int64", sgd, put("momentum_buffer", torch.tensor([1, 2, 3])))
run("sgd_bool", sgd, put("momentum_buffer", torch.tensor([True, False, True])))
run("sgd_float64_huge", sgd, put("momentum_buffer", torch.tensor([1e300, -2.0, 3.0], dtype=torch.float64)))
run("sgd_nan", sgd, put("momentum_buffer", torch.tensor([float("nan"), 1.0, -1.0])))
run("adam_int32_exp_avg", adam, put("exp_avg", torch.tensor([1, -2, 3], dtype=torch.int32)))
run("adam_float64_exp_avg_sq", adam, put("exp_avg_sq", torch.tensor([4.0, 0.25, 1.0], dtype=torch.float64)))
run("sgd_groups", sgd, lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])))
run("sgd_group_size", sgd, lambda sd: sd["param_groups"][0]["params"].append(1))
