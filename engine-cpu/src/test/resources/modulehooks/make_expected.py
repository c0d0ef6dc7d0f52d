# Expected values for ModuleHooksTest from PyTorch 1.13: the order in which the global module hooks
# (torch.nn.modules.module.register_module_*) and a module's own hooks run, and the gradients with full backward hooks.
# Run: /usr/bin/python3 make_expected.py > strings.txt
# 2.x additions 1.13 lacks (register_full_backward_pre_hook, prepend=, always_call=) are tested in ModuleHooksTest by
# the rules of 2.x's torch/nn/modules/module.py (_call_impl) and torch/utils/hooks.py (BackwardHook), quoted there.
import torch
import torch.nn.modules.module as mm

torch.set_default_dtype(torch.float64)
out = []


def put(key, value):
    out.append(f"{key}\t{value}")


lin = torch.nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[1., 2., 3.], [4., 5., 6.]]))
    lin.bias.copy_(torch.tensor([0.5, -0.5]))
order = []
hs = [
    mm.register_module_forward_pre_hook(lambda m, a: order.append("global_pre")),
    lin.register_forward_pre_hook(lambda m, a: order.append("own_pre")),
    mm.register_module_forward_hook(lambda m, a, o: order.append("global_fwd")),
    lin.register_forward_hook(lambda m, a, o: order.append("own_fwd")),
    lin.register_full_backward_hook(lambda m, gi, go: order.append("own_bwd")),
    mm.register_module_full_backward_hook(lambda m, gi, go: order.append("global_bwd")),
]
x = torch.tensor([[1., -1., 2.]], requires_grad=True)
y = lin(x)
(y * torch.tensor([[1., 3.]])).sum().backward()
put("order", ",".join(order))
put("x_grad", str(x.grad.reshape(-1).tolist()))
put("w_grad", str(lin.weight.grad.reshape(-1).tolist()))
for h in hs:
    h.remove()
order.clear()
lin(x)
put("order_removed", ",".join(order) or "none")
for line in out:
    print(line)
