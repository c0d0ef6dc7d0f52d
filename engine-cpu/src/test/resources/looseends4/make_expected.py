# Expected values for LooseEnds4Test (session 36): optimizers subclassing a built-in (their own state entries through
# save -> load -> continue), step(closure) of built-in and outside optimizers.
# Lines "key value": a tensor line (refcases.fmt_tensor), a text (its newlines escaped as \n), an error's first line, or
# a plain value. Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 CPU; 2.x notes beside the cases)
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from refcases import key_lines  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
lines = []
text, tensor, err = key_lines(lines)


# ---- 1. optimizers subclassing a built-in, and step(closure)
# The model: w (3), b (2); loss(t) = sum((w * x_t)^2) + sum(sin(b) * t) + (w[0] * b[1])^2, x_t = [t + 1, 0.5, -t].


def params():
    return (torch.tensor([0.5, -1.0, 2.0], requires_grad=True), torch.tensor([0.25, -0.75], requires_grad=True))


def loss_at(t, w, b):
    x = torch.tensor([t + 1.0, 0.5, -float(t)])
    return ((w * x) ** 2).sum() + (torch.sin(b) * t).sum() + (w[0] * b[1]) ** 2


def with_grads(opt, update):
    """update(group, p) under no_grad for every parameter of opt that has a gradient."""
    with torch.no_grad():
        for g in opt.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    update(g, p)


class MySGD(torch.optim.SGD):
    """An SGD that also keeps, per parameter, a Python-int call count and an average of |grad| it subtracts."""

    def step(self, closure=None):
        loss = super().step(closure)

        def update(g, p):
            st = self.state[p]
            st["calls"] = st.get("calls", 0) + 1
            if "gabs" not in st:
                st["gabs"] = torch.zeros_like(p)
            st["gabs"].mul_(0.5).add_(p.grad.abs(), alpha=0.5)
            p.sub_(st["gabs"], alpha=0.01 * st["calls"])
        with_grads(self, update)
        return loss


class MyAdam(torch.optim.Adam):
    """An Adam that also keeps a list [count, running max of the gradient] per parameter."""

    def step(self, closure=None):
        loss = super().step(closure)

        def update(g, p):
            st = self.state[p]
            if "hist" not in st:
                st["hist"] = [0, torch.full_like(p, -1e9)]
            st["hist"][0] += 1
            torch.maximum(st["hist"][1], p.grad, out=st["hist"][1])
            p.mul_(1 - 0.001 * st["hist"][0])
        with_grads(self, update)
        return loss


def run(make, steps_before, steps_after, key):
    w, b = params()
    opt = make([w, b])
    t = 0
    for _ in range(steps_before):
        opt.zero_grad()
        loss_at(t, w, b).backward()
        opt.step()
        t += 1
    sd = opt.state_dict()
    # resume: fresh parameters holding the trained values, a fresh optimizer loading the state dict
    w2 = w.detach().clone().requires_grad_()
    b2 = b.detach().clone().requires_grad_()
    opt2 = make([w2, b2])
    opt2.load_state_dict(sd)
    for _ in range(steps_after):
        opt2.zero_grad()
        loss_at(t, w2, b2).backward()
        opt2.step()
        t += 1
    tensor(key + ".w", w2)
    tensor(key + ".b", b2)
    return opt2


o = run(lambda ps: MySGD(ps, lr=0.05, momentum=0.9), 3, 3, "mysgd")
st = o.state_dict()["state"]
for i in (0, 1):
    tensor("mysgd.state%d.momentum_buffer" % i, st[i]["momentum_buffer"])
    tensor("mysgd.state%d.gabs" % i, st[i]["gabs"])
    lines.append("mysgd.state%d.calls %d" % (i, st[i]["calls"]))
    lines.append("mysgd.state%d.keys %s" % (i, ",".join(st[i].keys())))

o = run(lambda ps: MyAdam(ps, lr=0.02, amsgrad=True), 2, 3, "myadam")
st = o.state_dict()["state"]
for i in (0, 1):
    tensor("myadam.state%d.exp_avg" % i, st[i]["exp_avg"])
    lines.append("myadam.state%d.step %s" % (i, repr(float(st[i]["step"]))))
    lines.append("myadam.state%d.hist0 %d" % (i, st[i]["hist"][0]))
    tensor("myadam.state%d.hist1" % i, st[i]["hist"][1])
    lines.append("myadam.state%d.keys %s" % (i, ",".join(st[i].keys())))


# step(closure): every built-in returns the closure's loss (called under enable_grad, even inside no_grad) and steps
def closure_run(make, key, steps=3):
    w, b = params()
    opt = make([w, b])
    losses = []
    for t in range(steps):
        def closure():
            opt.zero_grad()
            loss = loss_at(t, w, b)
            loss.backward()
            return loss
        with torch.no_grad():
            losses.append(opt.step(closure).item())
    lines.append(key + ".losses " + " ".join(repr(x) for x in losses))
    tensor(key + ".w", w)
    tensor(key + ".b", b)


closure_run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, nesterov=True), "closure.sgd")
closure_run(lambda ps: torch.optim.Adam(ps, lr=0.05), "closure.adam")
closure_run(lambda ps: torch.optim.RMSprop(ps, lr=0.01, centered=True), "closure.rmsprop")
closure_run(lambda ps: MySGD(ps, lr=0.05, momentum=0.9), "closure.mysgd")


class Lion(torch.optim.Optimizer):
    """lion-pytorch's Lion (written outside PyTorch): its step(closure) as the package writes it."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad, lr, wd = p.grad, group["lr"], group["weight_decay"]
                beta1, beta2 = group["betas"]
                state = self.state[p]
                if len(state) == 0:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                p.data.mul_(1 - lr * wd)
                update = exp_avg.clone().mul_(beta1).add(grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)
        return loss


closure_run(lambda ps: Lion(ps, lr=0.01, weight_decay=0.1), "closure.lion")


# ---- 3. backward(create_graph=True) into a sparse COO leaf, then a derivative through its .grad
SI = torch.tensor([[0, 1, 1], [1, 0, 2]])
SV = torch.tensor([1.0, 2.0, 3.0])
D0 = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def sleaf():
    return torch.sparse_coo_tensor(SI, SV, (2, 3)).requires_grad_()


# a: one pass through torch.sparse.mm (d requires no grad): .grad has a history (AccumulateGrad's clone)
S = sleaf()
(torch.sparse.mm(S, D0) ** 2).sum().backward(create_graph=True)
text("sp.a.node", S.grad.grad_fn.name())
tensor("sp.a.grad", S.grad.coalesce().values())
h = (S.grad.to_dense() ** 2).sum()
gs, = torch.autograd.grad(h, [S])
tensor("sp.a.second", gs.coalesce().values())
# b: two passes (sparse.mm, then to_dense): the second adds out of place
S = sleaf()
(torch.sparse.mm(S, D0) ** 2).sum().backward(create_graph=True)
(S.to_dense() ** 3).sum().backward(create_graph=True)
text("sp.b.node", S.grad.grad_fn.name())
tensor("sp.b.grad", S.grad.coalesce().values())
h = (S.grad.coalesce().values() ** 2).sum()
gs, = torch.autograd.grad(h, [S])
tensor("sp.b.second", gs.coalesce().values())
# c: d requiring grad too: PyTorch's create_graph backward fails (d's gradient mm(S.t(), grad) with S requiring grad;
# 2.x's strides_or_error the same); Ember gives it: the values of the same computation with the matrix built densely
# from a leaf of values (index_put, differentiable twice)
S = sleaf()
d = D0.clone().requires_grad_()
err("sp.c.error", lambda: (torch.sparse.mm(S, d) ** 2).sum().backward(create_graph=True))
vals = SV.clone().requires_grad_()
d = D0.clone().requires_grad_()
loss = ((torch.zeros(2, 3).index_put((SI[0], SI[1]), vals) @ d) ** 2).sum()
gv, gd = torch.autograd.grad(loss, [vals, d], create_graph=True)
tensor("sp.c.gv", gv)
tensor("sp.c.gd", gd)
hv, hd = torch.autograd.grad((gv ** 2).sum() + (gd ** 2).sum(), [vals, d])
tensor("sp.c.hv", hv)
tensor("sp.c.hd", hd)

# ---- 4. conv_transpose2d in channels-last (the input's layout cases are ChannelsLastOpsTest's): a channels-last
# weight with a row-major input, and a channels-last input, give a channels-last output, input gradient and weight
# gradient in 2.x (determine_backend_memory_format: SlowTranspose2d/MkldnnTranspose under thnn/mkldnn_conv_use_channels_
# last, input or weight; the meta function's "both grad_input and grad_weight use this same backend_memory_format");
# 1.13 gave row-major ones here: the values are 1.13's, the layouts 2.x's (cl_x, cl_w: which is channels-last).
def seq(shape, scale=0.25):
    n = 1
    for s in shape:
        n *= s
    v = torch.tensor([((7 * k) % 19 - 9) * scale + 0.01 * (k % 5) for k in range(n)])
    return v.reshape(shape)


def cl(t):
    return t.contiguous(memory_format=torch.channels_last)


for name, cx, cw in (("clx", True, False), ("clw", False, True)):
    x = seq((2, 3, 4, 5))
    w = seq((3, 2, 3, 3), 0.125)
    b = torch.tensor([0.5, -0.25])
    x = (cl(x) if cx else x).requires_grad_()
    w = (cl(w) if cw else w).requires_grad_()
    b.requires_grad_()
    y = torch.nn.functional.conv_transpose2d(x, w, b, stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2))
    gy = seq(tuple(y.shape), 0.5) + 0.5
    # autograd.grad: the kernel's gradients as they come (a leaf's .grad would take the leaf's own strides, AccumulateGrad's
    # layout contract, and tell nothing of the kernel)
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), gy)
    key = "convt." + name
    tensor(key + ".y", y)
    tensor(key + ".gx", gx)
    tensor(key + ".gw", gw)
    tensor(key + ".gb", gb)
    lines.append(key + ".strides " + ";".join(",".join(map(str, cl(t).stride())) for t in (y, gx, gw)))

# ---- 5. sort/argsort with stable=False: 1.13's CPU std::sort keeps ties in order up to 16 elements (its insertion
# sort), not beyond; 2.x's x86-simd-sort (AVX2/AVX512 builds) or std::sort give build-dependent orders. Ember's choice
# is the stable order: compared with stable=True at both sizes, and with 1.13's stable=False where that is stable.
for n in (16, 40):
    a = torch.tensor([float((7 * k) % 3) for k in range(n)])
    for desc in (False, True):
        key = "sort%d.%s" % (n, "desc" if desc else "asc")
        tensor(key + ".stable", a.sort(stable=True, descending=desc).indices)
        tensor(key + ".unstable", a.sort(stable=False, descending=desc).indices)

print("\n".join(lines))
