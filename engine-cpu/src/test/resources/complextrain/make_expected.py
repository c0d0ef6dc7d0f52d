# Writes expected.txt for ComplexTrainingTest.java: complex parameters in training. (1) Every optimizer on a complex128
# parameter: fixed initial value and 7 fixed gradients (written here), the parameter after each step; (2) einsum with
# complex operands: values, the result's node and the gradients of L = sum(view_as_real(out) * w); (3) an FNO-style
# SpectralConv2d (rfft2, complex weights through einsum into a zeros out_ft's corner slices, irfft2) plus a pointwise
# Linear, trained 5 Adam steps on fixed data from fixed initial weights: the losses and the final weights.
# Run: /usr/bin/python3 make_expected.py   (PyTorch 1.13 CPU; writes expected.txt next to this script)
#
# Format: one line per array, "name v1 v2 ..." (complex values as their parts, interleaved); "node name Node" lines.
# 2.x note: PyTorch 2.x's optimizers all view a complex parameter, its gradient and state as real (view_as_real), so the
# 2.x answer is the optimizer run on the real view (a float64 [..., 2] parameter with the real view of each gradient):
# that is what the "opt" arrays hold. NAdam is 2.x's own (NAdam2x below: 1.13's mu_product_next has an extra factor
# mu). 1.13 itself differs for some: each case's "note" line says whether 1.13's own run on the complex parameter
# agrees (1.13's amsgrad fails, "maximum not implemented for complex tensors"; 1.13's RAdam does not view as real and
# differs; SGD, linear, agrees either way).
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
out = []


def put(name, t):
    t = t.detach()
    if t.is_complex():
        t = torch.view_as_real(t)
    out.append(name + " " + " ".join(repr(float(v)) for v in t.reshape(-1).tolist()))


torch.manual_seed(1234)
P0 = torch.complex(torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64))
GRADS = [torch.complex(torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)) for _ in range(7)]
put("opt.p0", P0)
for i, g in enumerate(GRADS):
    put("opt.g%d" % i, g)

O = torch.optim
CASES = [
    ("sgd", lambda ps: O.SGD(ps, lr=0.1)),
    ("sgd_momentum", lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("sgd_nesterov", lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)),
    ("adam", lambda ps: O.Adam(ps, lr=0.01)),
    ("adam_amsgrad_wd", lambda ps: O.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("adamw", lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.1)),
    ("adamw_amsgrad", lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("rmsprop", lambda ps: O.RMSprop(ps, lr=0.01)),
    ("rmsprop_centered_momentum", lambda ps: O.RMSprop(ps, lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("adagrad", lambda ps: O.Adagrad(ps, lr=0.1, lr_decay=0.01, weight_decay=0.1)),
    ("adamax", lambda ps: O.Adamax(ps, lr=0.1, weight_decay=0.1)),
    ("nadam", lambda ps: NAdam2x(ps, lr=0.1, weight_decay=0.1)),
    ("radam", lambda ps: O.RAdam(ps, lr=0.1, weight_decay=0.1)),
    ("rprop", lambda ps: O.Rprop(ps, lr=0.1)),
    ("asgd", lambda ps: O.ASGD(ps, lr=0.1, t0=2)),
    ("adadelta", lambda ps: O.Adadelta(ps, lr=1.0, weight_decay=0.1)),
]


class NAdam2x:
    """PyTorch 2.x's single-tensor NAdam (1.13's has mu_product_next = mu_product * mu * mu_next, fixed in 2.x to
    mu_product * mu_next); mu_product a float32 tensor as 2.x's _get_scalar_dtype."""

    def __init__(self, ps, lr, weight_decay):
        self.p = ps[0]
        self.lr, self.wd, self.b1, self.b2, self.eps, self.md = lr, weight_decay, 0.9, 0.999, 1e-8, 0.004
        self.step_n = 0
        self.mu_product = torch.tensor(1.0)
        self.exp_avg = torch.zeros_like(self.p)
        self.exp_avg_sq = torch.zeros_like(self.p)
        self.state = {self.p: {"step": 0, "mu_product": 0, "exp_avg": 0, "exp_avg_sq": 0}}
        self.param_groups = [{"params": [self.p]}]

    @torch.no_grad()
    def step(self):
        p, g = self.p, self.p.grad
        self.step_n += 1
        step = self.step_n
        bc2 = 1 - self.b2 ** step
        g = g.add(p, alpha=self.wd)
        mu = self.b1 * (1. - 0.5 * (0.96 ** (step * self.md)))
        mu_next = self.b1 * (1. - 0.5 * (0.96 ** ((step + 1) * self.md)))
        self.mu_product *= mu
        self.exp_avg.lerp_(g, 1 - self.b1)
        self.exp_avg_sq.mul_(self.b2).addcmul_(g, g, value=1 - self.b2)
        denom = self.exp_avg_sq.div(bc2).sqrt()
        mu_product_next = self.mu_product.item() * mu_next
        denom.add_(self.eps)
        p.addcdiv_(g, denom, value=(-self.lr * (1. - mu) / (1. - self.mu_product.item())))
        p.addcdiv_(self.exp_avg, denom, value=(-self.lr * mu_next) / (1. - mu_product_next))


def run(make, complex_param):
    p = P0.clone() if complex_param else torch.view_as_real(P0).clone()
    p.requires_grad_(True)
    opt = make([p])
    seq = []
    for g in GRADS:
        p.grad = g.clone() if complex_param else torch.view_as_real(g).clone()
        opt.step()
        seq.append(p.detach().clone())
    return seq, opt


for name, make in CASES:
    seq, opt = run(make, False)  # PyTorch 2.x's answer
    for i, v in enumerate(seq):
        put("opt.%s.%d" % (name, i), v)
    try:
        own, _ = run(make, True)
        same = all(torch.allclose(torch.view_as_real(a), b, rtol=1e-12, atol=1e-14) for a, b in zip(own, seq))
        note = "1.13 on the complex parameter agrees" if same else "1.13 on the complex parameter differs (2.x views as real)"
    except Exception as e:  # noqa: BLE001
        note = "1.13 on the complex parameter fails: " + str(e).split("\n")[0]
    out.append("note opt.%s %s" % (name, note))
    # the state's keys, in order (its tensors are complex in 2.x: view_as_real of zeros_like(p))
    st = opt.state[opt.param_groups[0]["params"][0]]
    out.append("keys opt.%s %s" % (name, " ".join(k for k in st.keys())))

# ---------------------------------------------------------------- einsum
torch.manual_seed(7)


def crand(*shape, dtype=torch.float64):
    return torch.complex(torch.randn(*shape, dtype=dtype), torch.randn(*shape, dtype=dtype))


EINSUM = [
    ("fno", "bixy,ioxy->boxy", [crand(2, 3, 2, 2), crand(3, 4, 2, 2)]),
    ("matmul", "ij,jk->ik", [crand(3, 4), crand(4, 2)]),
    ("batch", "bij,bjk->bik", [crand(2, 3, 4), crand(2, 4, 5)]),
    ("trace", "ii->", [crand(3, 3)]),
    ("outer", "i,j->ij", [crand(3), crand(4)]),
    ("sum", "ijk->j", [crand(2, 3, 4)]),
]
for name, eq, ops in EINSUM:
    ins = [o.clone().requires_grad_(True) for o in ops]
    r = torch.einsum(eq, *ins)
    for i, o in enumerate(ops):
        put("einsum.%s.in%d" % (name, i), o)
    put("einsum.%s.out" % name, r)
    out.append("node einsum.%s %s" % (name, type(r.grad_fn).__name__))
    w = torch.linspace(-1, 1, torch.view_as_real(r).numel(), dtype=torch.float64).reshape(torch.view_as_real(r).shape)
    (torch.view_as_real(r) * w).sum().backward()
    for i, x in enumerate(ins):
        put("einsum.%s.grad%d" % (name, i), x.grad)

# ---------------------------------------------------------------- as_strided (layout in complex elements)
torch.manual_seed(11)
z = crand(3, 4).requires_grad_(True)
r = z.as_strided((3, 3), (1, 2), 1)  # overlapping windows: shared elements add their gradients
put("strided.in", z)
put("strided.out", r)
out.append("node strided %s" % type(r.grad_fn).__name__)
w = torch.linspace(-1, 1, 18, dtype=torch.float64).reshape(3, 3, 2)
(torch.view_as_real(r) * w).sum().backward()
put("strided.grad", z.grad)
try:
    z.detach().as_strided((4, 4), (4, 1), 0)
except Exception as e:  # noqa: BLE001
    out.append("error strided " + str(e).split("\n")[0])

# ---------------------------------------------------------------- FNO
torch.manual_seed(3)
B, CI, CO, H, W, M1, M2 = 2, 2, 3, 8, 8, 3, 3
scale = 1 / (CI * CO)
w1 = torch.nn.Parameter(scale * torch.rand(CI, CO, M1, M2, dtype=torch.cfloat))
w2 = torch.nn.Parameter(scale * torch.rand(CI, CO, M1, M2, dtype=torch.cfloat))
lin = torch.nn.Linear(CI, CO)
x = torch.randn(B, CI, H, W)
target = torch.randn(B, CO, H, W)
put("fno.w1", w1)
put("fno.w2", w2)
put("fno.lin.weight", lin.weight)
put("fno.lin.bias", lin.bias)
put("fno.x", x)
put("fno.target", target)


def forward(x):
    x_ft = torch.fft.rfft2(x)
    out_ft = torch.zeros(B, CO, H, W // 2 + 1, dtype=torch.cfloat)
    out_ft[:, :, :M1, :M2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :M1, :M2], w1)
    out_ft[:, :, -M1:, :M2] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -M1:, :M2], w2)
    spectral = torch.fft.irfft2(out_ft, s=(H, W))
    pointwise = lin(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    return torch.nn.functional.gelu(spectral + pointwise)


opt = torch.optim.Adam([w1, w2, lin.weight, lin.bias], lr=0.01)
losses = []
for step in range(5):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(forward(x), target)
    loss.backward()
    if step == 0:
        put("fno.grad.w1", w1.grad)
        put("fno.grad.w2", w2.grad)
    opt.step()
    losses.append(loss.item())
out.append("fno.losses " + " ".join(repr(v) for v in losses))
put("fno.final.w1", w1)
put("fno.final.w2", w2)
put("fno.final.lin.weight", lin.weight)
put("fno.final.lin.bias", lin.bias)
put("fno.final.exp_avg.w1", opt.state[w1]["exp_avg"])
with torch.no_grad():
    out.append("fno.final.loss " + repr(torch.nn.functional.mse_loss(forward(x), target).item()))

with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(out) + "\n")
