"""Optimizer state after two steps on a meta parameter, for MetaDeviceGapsTest.

Run: cd engine-cpu/src/test/resources/metadevice2 && /usr/bin/python3 gen_meta_optim.py
Writes meta_optim.txt: "optimizer|key:device:shape;..." in the state's order, after two steps of a [3, 4] float32 meta
parameter with a meta gradient (foreach=False, PyTorch 2.x's default for a device without foreach kernels): the buffers
are meta tensors of the parameter's shape, the step counters and scalars stay on the CPU. Where 1.13 keeps a Python int
step (RMSprop, Adadelta, Rprop), 2.x keeps a CPU float tensor (torch/optim of 2.x: state["step"] = torch.tensor(0.0,
dtype=_get_scalar_dtype())); the file follows 2.x. LBFGS reads the gradient's norm as a Python float: it refuses with the
item() words (LBFGS|refuse). No randomness reaches the output.
"""
import torch

M = "meta"
opts = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "SGD_plain": lambda p: torch.optim.SGD(p, lr=0.1),
    "Adam": lambda p: torch.optim.Adam(p), "AdamW": lambda p: torch.optim.AdamW(p),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.01), "Adagrad": lambda p: torch.optim.Adagrad(p),
    "Adadelta": lambda p: torch.optim.Adadelta(p), "Adamax": lambda p: torch.optim.Adamax(p),
    "NAdam": lambda p: torch.optim.NAdam(p), "RAdam": lambda p: torch.optim.RAdam(p), "ASGD": lambda p: torch.optim.ASGD(p),
    "Rprop": lambda p: torch.optim.Rprop(p),
}
INT_STEP_IN_113 = {"RMSprop", "Adadelta", "Rprop"}
out = []
for k, f in opts.items():
    w = torch.nn.Parameter(torch.empty(3, 4, device=M))
    w.grad = torch.empty(3, 4, device=M)
    o = f([w])
    for g in o.param_groups:
        if "foreach" in g:
            g["foreach"] = False
    o.step()
    o.step()
    parts = []
    for n, v in o.state[w].items():
        if v is None:
            continue
        if not torch.is_tensor(v):
            assert k in INT_STEP_IN_113 and n == "step", (k, n)
            v = torch.tensor(float(v))  # 2.x's step tensor
        parts.append("%s:%s:%s" % (n, v.device.type, ",".join(map(str, v.shape))))
    assert w.device.type == "meta"
    out.append("%s|%s" % (k, ";".join(parts)))
w = torch.nn.Parameter(torch.empty(3, 4, device=M))
o = torch.optim.LBFGS([w])


def closure():
    o.zero_grad()
    loss = (w * w).sum()
    loss.backward()
    return loss


try:
    o.step(closure)
    raise AssertionError("LBFGS ran on meta")
except NotImplementedError:  # 1.13: no meta _local_scalar_dense; 2.x: "Tensor.item() cannot be called on meta tensors"
    out.append("LBFGS|refuse")
with open("meta_optim.txt", "w") as fh:
    fh.write("\n".join(out) + "\n")
