"""Expected values for OutsiderPrograms8Test (session 32's outsider pass, round 8): not models but the machinery around
training and the numeric corners users trip over, run here in float64 (the default type) from PyTorch's initial
weights and fixed data, saved beside the results so that Ember runs the same steps from the same numbers:
  res.<case>.*  an MLP (Linear, LayerNorm, Tanh, Linear) trained 8 steps with two param groups (weights decayed, biases
                and the norm's parameters not, each group its own lr) by one optimizer and scheduler per case: AdamW +
                SequentialLR(LinearLR warmup, CosineAnnealingLR), Adam(amsgrad) + OneCycleLR, RMSprop(centered,
                momentum) + CosineAnnealingWarmRestarts(T_0=3, T_mult=2), SGD(nesterov) + ReduceLROnPlateau (min, rel
                threshold, cooldown) fed fixed metrics, Adagrad + ReduceLROnPlateau (max, abs threshold), NAdam +
                LambdaLR (one lambda per group), RAdam + OneCycleLR(linear, three phase), ASGD (t0 reached) +
                ExponentialLR; the losses, every group's
                lr after each step and the parameters after the last; the test stops after 4 steps, saves model,
                optimizer and scheduler state dicts, loads them into fresh objects and continues
  ckpt_<case>.pt the same run's checkpoint after 4 steps as PyTorch writes it (model, optimizer, scheduler), which the
                test loads into fresh Ember objects and continues to PyTorch's numbers
  grad.*        clip_grad_norm_ (2, inf, a non-finite gradient with and without error_if_nonfinite), clip_grad_value_,
                accumulation of loss/N over micro-batches against the full batch, a frozen first layer under AdamW
                with weight decay, a tied embedding/decoder weight, EMA by AveragedModel with a custom avg_fn and
                update_bn, a Hessian-vector product, one MAML inner step with create_graph
  loss.*        losses users combine, each with reduction none/sum/mean and its input gradient
  texts h.*     hooks (forward pre-hook and forward hook replacing input and output, a full backward hook replacing
                grad_input, one on a module whose input needs no gradient, a tensor hook), buffers persistent=False,
                load_state_dict strict and not, named_modules with a prefix, Module.apply for init, to(float64),
                train/eval, no_grad and inference_mode; custom autograd Functions (save_for_backward,
                mark_non_differentiable, needs_input_grad, once_differentiable, a straight-through estimator, a
                gradient reversal layer, PyTorch's refusals of wrong gradient counts and shapes)
  texts c.*     numeric corners, printed (see the section)
  texts8.txt    printouts and refusals

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs8.pt, ckpt_*.pt, texts8.txt.
"""
import copy
import sys
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.function import once_differentiable
from torch.optim.swa_utils import AveragedModel, update_bn



def _single_tensor_nadam_2x(params, grads, exp_avgs, exp_avg_sqs, mu_products, state_steps, *, beta1, beta2, lr,
                            weight_decay, momentum_decay, eps):
    """1.13's NAdam step with 2.x's mu_product_next = mu_product * mu_next (1.13 multiplies by mu once more: fixed in
    2.0 by pytorch/pytorch#92699, which Ember follows); exp_avg by lerp_ as 2.x."""
    for i, param in enumerate(params):
        grad = grads[i]
        exp_avg, exp_avg_sq, mu_product, step_t = exp_avgs[i], exp_avg_sqs[i], mu_products[i], state_steps[i]
        step_t += 1
        step = step_t.item()
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        mu = beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product *= mu
        mu_product_next = mu_product.item() * mu_next
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
        param.addcdiv_(grad, denom, value=-lr * (1. - mu) / (1. - mu_product.item()))
        param.addcdiv_(exp_avg, denom, value=-lr * mu_next / (1. - mu_product_next))


sys.modules["torch.optim.nadam"]._single_tensor_nadam = _single_tensor_nadam_2x
torch.set_default_dtype(torch.float64)
torch.manual_seed(8)
out = {}
texts = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + k] = p.grad.clone()


def refusal(f):
    try:
        f()
    except Exception as ex:  # noqa: BLE001: the message is the expectation
        return str(ex).split("\n")[0]
    return "no error"


# ---------------------------------------------------------------- 1. training loops with resumption
class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.norm = nn.LayerNorm(8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.tanh(self.norm(self.fc1(x))))


X = torch.randn(16, 4)
Y = torch.randint(0, 3, (16,))
out["res.x"] = X
out["res.y"] = Y
METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.85, 0.86, 0.87]


def groups(model):
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    return decay, no_decay


def make(case, model):
    d, nd = groups(model)
    if case == "adamw_seq":
        opt = torch.optim.AdamW([{"params": d, "weight_decay": 0.1}, {"params": nd, "weight_decay": 0.0, "lr": 0.02}],
                                lr=0.01)
        s = torch.optim.lr_scheduler.SequentialLR(opt, [
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3),
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.001)], milestones=[3])
    elif case == "adam_onecycle":
        opt = torch.optim.Adam([{"params": d, "weight_decay": 0.01}, {"params": nd}], lr=0.01, amsgrad=True)
        s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.05, 0.02], total_steps=10)
    elif case == "rmsprop_warm":
        opt = torch.optim.RMSprop([{"params": d, "weight_decay": 0.01}, {"params": nd, "lr": 0.005}], lr=0.01,
                                  centered=True, momentum=0.9)
        s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.0005)
    elif case == "sgd_plateau":
        opt = torch.optim.SGD([{"params": d, "weight_decay": 1e-3}, {"params": nd, "lr": 0.2}], lr=0.1, momentum=0.9,
                              nesterov=True)
        s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1, threshold=0.01,
                                                       threshold_mode="rel", cooldown=1, min_lr=[0.02, 0.06])
    elif case == "adagrad_plateau":
        opt = torch.optim.Adagrad([{"params": d, "weight_decay": 0.01}, {"params": nd}], lr=0.1, lr_decay=0.01)
        s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.3, patience=0, threshold=0.05,
                                                       threshold_mode="abs", cooldown=2)
    elif case == "nadam_lambda":
        opt = torch.optim.NAdam([{"params": d, "weight_decay": 0.01}, {"params": nd, "lr": 0.004}], lr=0.002)
        s = torch.optim.lr_scheduler.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1.0 / (1 + e)])
    elif case == "radam_onecycle":
        opt = torch.optim.RAdam([{"params": d, "weight_decay": 0.01}, {"params": nd}], lr=0.01)
        s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.03, total_steps=9, anneal_strategy="linear",
                                                three_phase=True, pct_start=0.4)
    elif case == "asgd_exp":
        opt = torch.optim.ASGD([{"params": d, "weight_decay": 0.01}, {"params": nd, "lr": 0.03}], lr=0.05, lambd=0.01,
                               alpha=0.75, t0=2)
        s = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    return opt, s


CASES = ["adamw_seq", "adam_onecycle", "rmsprop_warm", "sgd_plateau", "adagrad_plateau", "nadam_lambda",
         "radam_onecycle", "asgd_exp"]
for case in CASES:
    model = Mlp()
    p = "res." + case + "."
    save_state(p + "init.", model)
    opt, sched = make(case, model)
    losses, lrs = [], []
    for step in range(8):
        if step == 4:
            sd = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}
            if case in ("adamw_seq", "sgd_plateau", "rmsprop_warm", "adagrad_plateau", "nadam_lambda", "asgd_exp"):
                torch.save(sd, "ckpt_" + case + ".pt")
        idx = torch.arange(8) + 8 * (step % 2)
        opt.zero_grad()
        loss = F.cross_entropy(model(X[idx]), Y[idx])
        loss.backward()
        opt.step()
        if "plateau" in case:
            sched.step(METRICS[step])
        else:
            sched.step()
        losses.append(loss.item())
        lrs.append([g["lr"] for g in opt.param_groups])
    out[p + "loss"] = torch.tensor(losses)
    out[p + "lrs"] = torch.tensor(lrs)
    save_params(p + "final.", model)

# ---------------------------------------------------------------- 2. gradient machinery
model = Mlp()
save_state("grad.init.", model)
loss = F.cross_entropy(model(X), Y)
loss.backward()
save_grads("grad.raw.", model)
params = list(model.parameters())
g0 = [q.grad.clone() for q in params]
out["grad.norm2"] = torch.nn.utils.clip_grad_norm_(params, 0.1)
save_grads("grad.clip2.", model)
for q, g in zip(params, g0):
    q.grad = g.clone()
out["grad.norminf"] = torch.nn.utils.clip_grad_norm_(params, 0.05, norm_type="inf")
save_grads("grad.clipinf.", model)
for q, g in zip(params, g0):
    q.grad = g.clone()
out["grad.norm1"] = torch.nn.utils.clip_grad_norm_(params, 0.2, norm_type=1.0)
save_grads("grad.clip1.", model)
for q, g in zip(params, g0):
    q.grad = g.clone()
torch.nn.utils.clip_grad_value_(params, 0.02)
save_grads("grad.clipvalue.", model)
# a non-finite gradient: refused with error_if_nonfinite (gradients unchanged), else clipped into nan
for q, g in zip(params, g0):
    q.grad = g.clone()
params[0].grad[0, 0] = float("inf")
texts["clip_nonfinite"] = refusal(lambda: torch.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True))
out["grad.nonfinite_norm"] = torch.nn.utils.clip_grad_norm_(params, 1.0)
out["grad.nonfinite_fc2"] = params[-1].grad.clone()

# accumulation: two micro-batches of loss/2 give the full batch's gradient (mean reduction)
model.zero_grad(set_to_none=True)
for k in range(2):
    sl = slice(8 * k, 8 * k + 8)
    (F.cross_entropy(model(X[sl]), Y[sl]) / 2).backward()
save_grads("grad.accum.", model)
# zero_grad(set_to_none=False) keeps zero tensors
model.zero_grad(set_to_none=False)
out["grad.zeroed_norm"] = torch.stack([q.grad.abs().sum() for q in params]).sum()

# freezing fc1 under AdamW with weight decay: a parameter without a gradient is not decayed
model = Mlp()
save_state("freeze.init.", model)
model.fc1.requires_grad_(False)
opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.5)
for step in range(3):
    opt.zero_grad()
    F.cross_entropy(model(X), Y).backward()
    opt.step()
save_params("freeze.final.", model)
out["freeze.nstate"] = torch.tensor(len(opt.state))


# tied weights: the decoder shares the embedding's weight
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.proj = nn.Linear(6, 6)
        self.dec = nn.Linear(6, 10, bias=False)
        self.dec.weight = self.emb.weight

    def forward(self, ids):
        return self.dec(torch.tanh(self.proj(self.emb(ids))))


tied = Tied()
save_state("tied.init.", tied)
texts["tied_names"] = repr([n for n, _ in tied.named_parameters()])
texts["tied_state_keys"] = repr(list(tied.state_dict().keys()))
ids = torch.tensor([[1, 2, 3], [4, 5, 9]])
tgt = torch.tensor([[2, 3, 4], [5, 9, 0]])
opt = torch.optim.SGD(tied.parameters(), lr=0.5, momentum=0.9)
tl = []
for step in range(3):
    opt.zero_grad()
    l = F.cross_entropy(tied(ids).reshape(-1, 10), tgt.reshape(-1))
    l.backward()
    if step == 0:
        save_grads("tied.grad0.", tied)
    opt.step()
    tl.append(l.item())
out["tied.loss"] = torch.tensor(tl)
save_params("tied.final.", tied)


# EMA by AveragedModel with a custom avg_fn, and update_bn on a BatchNorm model
class BnNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.bn = nn.BatchNorm1d(5)
        self.out = nn.Linear(5, 1)

    def forward(self, x):
        return self.out(torch.relu(self.bn(self.fc(x))))


bn = BnNet()
save_state("ema.init.", bn)
ema = AveragedModel(bn, avg_fn=lambda avg, p, n: 0.8 * avg + 0.2 * p)
# use_buffers=True: the running statistics averaged too, num_batches_tracked (int64) through the same function, the
# float result copied back into the integer buffer (truncated)
ema_buf = AveragedModel(bn, avg_fn=lambda avg, p, n: 0.8 * avg + 0.2 * p, use_buffers=True)
opt = torch.optim.SGD(bn.parameters(), lr=0.1)
yr = torch.randn(16, 1)
out["ema.y"] = yr
for step in range(4):
    opt.zero_grad()
    F.mse_loss(bn(X), yr).backward()
    opt.step()
    ema.update_parameters(bn)
    ema_buf.update_parameters(bn)
    # 2.x's update_parameters without use_buffers keeps the averaged module's buffers in sync with the model's (1.13
    # leaves them as deep-copied at construction): Ember follows 2.x
    for b_swa, b_model in zip(ema.module.buffers(), bn.buffers()):
        b_swa.detach().copy_(b_model.detach())
save_state("ema.model.", bn)
save_state("ema.avg.", ema.module)
save_state("ema.avgbuf.", ema_buf.module)
out["ema.n"] = ema.n_averaged.clone()
loader = [X[:6], X[6:11], X[11:]]
update_bn(loader, ema)
out["ema.bn_mean"] = ema.module.bn.running_mean.clone()
out["ema.bn_var"] = ema.module.bn.running_var.clone()
out["ema.bn_nbt"] = ema.module.bn.num_batches_tracked.clone()
ema.eval()
out["ema.pred"] = ema(X[:3]).detach()

# Hessian-vector product: grad of (grad(loss) . v)
model = Mlp()
save_state("hvp.init.", model)
params = list(model.parameters())
loss = F.cross_entropy(model(X), Y)
gs = torch.autograd.grad(loss, params, create_graph=True)
vs = [torch.ones_like(q) * 0.1 for q in params]
dot = sum((g * v).sum() for g, v in zip(gs, vs))
hv = torch.autograd.grad(dot, params)
for (n, _), h in zip(model.named_parameters(), hv):
    out["hvp.hv." + n] = h

# MAML: one inner SGD step with create_graph, the outer loss on a query set, its gradient wrt the initial weights
from torch.nn.utils.stateless import functional_call  # noqa: E402 (1.13's place; torch.func in 2.x)

model = Mlp()
save_state("maml.init.", model)
named = dict(model.named_parameters())
inner = F.cross_entropy(functional_call(model, named, (X[:8],)), Y[:8])
g = torch.autograd.grad(inner, list(named.values()), create_graph=True)
fast = {n: w - 0.4 * gi for (n, w), gi in zip(named.items(), g)}
outer = F.cross_entropy(functional_call(model, fast, (X[8:],)), Y[8:])
outer.backward()
out["maml.inner"] = inner.detach()
out["maml.outer"] = outer.detach()
save_grads("maml.grad.", model)

# ---------------------------------------------------------------- 5. losses users combine
logits = torch.randn(6, 4)
target = torch.tensor([0, 3, 1, -100, 2, 3])
w = torch.tensor([1.0, 2.0, 0.5, 1.5])
out["loss.logits"] = logits
out["loss.target"] = target
out["loss.w"] = w
x1 = torch.randn(5, 3)
x2 = torch.randn(5, 3)
x3 = torch.randn(5, 3)
ysign = torch.tensor([1.0, -1.0, 1.0, -1.0, -1.0])
out["loss.x1"] = x1
out["loss.x2"] = x2
out["loss.x3"] = x3
out["loss.ysign"] = ysign
ml_target = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
out["loss.mltarget"] = ml_target
mm_target = torch.tensor([0, 2, 1, 2, 0])
out["loss.mmtarget"] = mm_target
probs = torch.rand(5, 3) * 0.9 + 0.05
out["loss.probs"] = probs
bce_w = torch.tensor([1.0, 2.0, 0.5])
out["loss.bcew"] = bce_w
teacher = torch.randn(6, 4)
out["loss.teacher"] = teacher


def cosdist(a, b):
    return 1 - F.cosine_similarity(a, b)


LOSSES = {
    "ce_smooth": lambda a, r: F.cross_entropy(a, target, weight=w, ignore_index=-100, label_smoothing=0.2, reduction=r),
    "kl_distill": lambda a, r: F.kl_div(F.log_softmax(a / 2.0, 1), F.log_softmax(teacher / 2.0, 1), reduction=r,
                                        log_target=True) * 4.0,
    "kl_probs": lambda a, r: F.kl_div(F.log_softmax(a, 1), F.softmax(teacher, 1), reduction=r),
    "triplet": lambda a, r: F.triplet_margin_loss(a, x2, x3, margin=0.5, p=1.0, swap=True, reduction=r),
    "triplet_dist": lambda a, r: F.triplet_margin_with_distance_loss(a, x2, x3, distance_function=cosdist, margin=0.3,
                                                                     swap=True, reduction=r),
    "cosine_emb": lambda a, r: F.cosine_embedding_loss(a, x2, ysign, margin=0.1, reduction=r),
    "margin_rank": lambda a, r: F.margin_ranking_loss(a[:, 0], x2[:, 0], ysign, margin=0.2, reduction=r),
    "multilabel_soft": lambda a, r: F.multilabel_soft_margin_loss(a, ml_target, weight=bce_w, reduction=r),
    "multi_margin1": lambda a, r: F.multi_margin_loss(a, mm_target, p=1, margin=0.8, weight=bce_w, reduction=r),
    "multi_margin2": lambda a, r: F.multi_margin_loss(a, mm_target, p=2, weight=bce_w, reduction=r),
    "hinge_emb": lambda a, r: F.hinge_embedding_loss(a[:, 0], ysign, margin=0.5, reduction=r),
    "soft_margin": lambda a, r: F.soft_margin_loss(a[:, 1], ysign, reduction=r),
    "bce_weight": lambda a, r: F.binary_cross_entropy(torch.sigmoid(a), probs, weight=bce_w, reduction=r),
}
for name, f in LOSSES.items():
    for r in ("none", "sum", "mean") if not name.startswith("kl") else ("none", "sum", "mean", "batchmean"):
        src = logits if name.startswith(("ce", "kl")) else x1
        a = src.clone().requires_grad_(True)
        v = f(a, r)
        (v * torch.linspace(0.5, 1.5, v.numel()).reshape(v.shape)).sum().backward()
        out["loss." + name + "." + r] = v.detach()
        out["loss." + name + "." + r + ".grad"] = a.grad


# focal loss written in ops, with alpha per class
def focal(a, t, gamma=2.0, alpha=w):
    logp = F.log_softmax(a, 1)
    keep = t != -100
    tt = t.clamp(min=0)
    lp = logp.gather(1, tt[:, None]).squeeze(1)
    pt = lp.exp()
    l = -alpha[tt] * (1 - pt) ** gamma * lp
    return (l * keep).sum() / keep.sum()


a = logits.clone().requires_grad_(True)
fl = focal(a, target)
fl.backward()
out["loss.focal"] = fl.detach()
out["loss.focal.grad"] = a.grad


# ---------------------------------------------------------------- 3. hooks and module machinery; 4. custom Functions
# Each entry is repr(value) or "EXC " + the first line of the message (a load_state_dict refusal: the whole message).
def H(name, f, whole=False):
    try:
        v = f()
        texts["h." + name] = v if isinstance(v, str) else repr(v)
    except Exception as ex:  # noqa: BLE001: the message is the expectation
        texts["h." + name] = "EXC " + (str(ex) if whole else str(ex).split("\n")[0])


lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
    lin.bias.copy_(torch.tensor([0.01, -0.02]))
seen = []


def bh(m, gi, go):
    seen.append((gi[0].clone(), go[0].clone()))
    return (gi[0] * 10,)


h1 = lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 2,))
h2 = lin.register_forward_hook(lambda m, inp, o: o + 1)
h3 = lin.register_full_backward_hook(bh)
xh = torch.tensor([[1., 2., 3.], [-1., 0.5, 2.]], requires_grad=True)
yh = lin(xh)
H("hooked_out", lambda: yh)
yh.pow(2).sum().backward()
H("x_grad", lambda: xh.grad)
H("w_grad", lambda: lin.weight.grad)
H("seen_gi", lambda: seen[0][0])
H("seen_go", lambda: seen[0][1])
h1.remove()
h2.remove()
h3.remove()
H("unhooked", lambda: lin(xh))
seen.clear()
hn = lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].clone())))
lin(torch.ones(1, 3)).sum().backward()
H("nograd_input_gi", lambda: seen[0][0])
H("nograd_input_go", lambda: seen[0][1])
hn.remove()
lin.zero_grad()
hh = lin.weight.register_hook(lambda g: g * 3)
lin(torch.ones(1, 3)).sum().backward()
H("scaled_wgrad", lambda: lin.weight.grad)
hh.remove()


class Bufs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.register_buffer("pos", torch.arange(3.), persistent=False)
        self.register_buffer("scale", torch.tensor(2.))
        self.sub = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Sequential(nn.Linear(2, 1)))


bm = Bufs()
H("state_keys", lambda: list(bm.state_dict().keys()))
H("buffers", lambda: [n for n, _ in bm.named_buffers()])
H("named_modules", lambda: [n for n, _ in bm.named_modules()])
H("named_modules_prefix", lambda: [n for n, _ in bm.named_modules(prefix="model")])
H("named_children", lambda: [n for n, _ in bm.named_children()])
sdb = bm.state_dict()
sdb2 = {k: v for k, v in sdb.items() if k != "sub.0.bias"}
sdb2["extra.w"] = torch.zeros(1)
H("load_nonstrict", lambda: bm.load_state_dict(sdb2, strict=False))
H("load_strict", lambda: bm.load_state_dict(sdb2), whole=True)
sdb3 = dict(sdb)
sdb3["fc.weight"] = torch.zeros(3, 2)
H("load_shape", lambda: bm.load_state_dict(sdb3), whole=True)


def init(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
        nn.init.zeros_(m.bias)


bm.apply(init)
H("after_apply", lambda: bm.sub[2][0].weight)
b32 = Bufs().float()
b32.to(torch.float64)
H("to64", lambda: repr((b32.fc.weight.dtype, b32.pos.dtype, b32.scale.dtype)))
msq = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2), nn.Dropout(0.5))
msq.eval()
H("training_flags", lambda: [mm.training for mm in msq.modules()])
msq.train()
msq[1].eval()
H("training_flags2", lambda: [mm.training for mm in msq.modules()])
wi = torch.ones(2, requires_grad=True)
with torch.no_grad():
    ng = wi * 2
H("nograd", lambda: (ng.requires_grad, ng.is_inference()))
with torch.inference_mode():
    inf_t = wi * 2
H("inference", lambda: (inf_t.requires_grad, inf_t.is_inference()))
H("inference_in_autograd", lambda: (wi * inf_t).sum().backward())
H("inference_inplace", lambda: inf_t.add_(1))
H("clone_inference", lambda: inf_t.clone().is_inference())
H("inplace_on_leaf", lambda: wi.add_(1))


class MyExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class SortF(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        v, i = x.sort()
        ctx.mark_non_differentiable(i)
        ctx.save_for_backward(i)
        return v, i

    @staticmethod
    def backward(ctx, gv, gi):
        i, = ctx.saved_tensors
        return torch.zeros_like(gv).scatter_(0, i, gv)


class Scale(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, k):
        ctx.save_for_backward(x, w)
        ctx.k = k
        return x * w * k

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        gx = g * w * ctx.k if ctx.needs_input_grad[0] else None
        gw = (g * x * ctx.k).sum(0) if ctx.needs_input_grad[1] else None
        return gx, gw, None


class Once(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x ** 2


class STE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.round()

    @staticmethod
    def backward(ctx, g):
        return g


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g.neg() * ctx.lam, None


class Bad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return g,


class BadShape(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g.sum()


xf = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
yf = MyExp.apply(xf)
H("myexp", lambda: yf)
yf.sum().backward()
H("myexp_grad", lambda: xf.grad)
xf.grad = None
sv, si = SortF.apply(xf)
H("sort_v", lambda: sv)
H("sort_i", lambda: (si, si.requires_grad))
(sv * torch.tensor([1., 2., 3.])).sum().backward()
H("sort_grad", lambda: xf.grad)
xf.grad = None
wf = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
sc = Scale.apply(torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), wf, 0.5)
H("scale", lambda: sc)
sc.sum().backward()
H("scale_wgrad", lambda: wf.grad)
of = Once.apply(xf)
H("once", lambda: of)
og, = torch.autograd.grad(of.sum(), xf, create_graph=True)
H("once_g", lambda: og)
H("once_double", lambda: og.sum().backward())
xf.grad = None
st = STE.apply(xf * 1.7)
H("ste", lambda: st)
(st * st).sum().backward()
H("ste_grad", lambda: xf.grad)
xf.grad = None
gr = GradReverse.apply(xf * 2, 0.3)
H("grl", lambda: gr)
(gr ** 2).sum().backward()
H("grl_grad", lambda: xf.grad)
H("bad_count", lambda: Bad.apply(xf, wf).sum().backward())
H("bad_shape", lambda: BadShape.apply(xf).sum().backward())

# ---------------------------------------------------------------- 6. numeric corners, as printed (or refused)
# Each entry is repr(value) (a namedtuple repr for values/indices pairs) or "EXC " + the first line of the message.
# Left out where 1.13 differs from 2.x or the value is undefined: cumsum of float16 (1.13 refuses it on CPU), the float32
# sum of 100000 x 0.1 (1.13's cascade rounds to 10000.0009765625, one ulp from the exact 10000.0001490116 Ember gives;
# the float32 cumsum accumulates in double in both, so its entries are exact), a float -> uint8 conversion out of range.
ninf, inf, nan = float("-inf"), float("inf"), float("nan")


def C(name, f):
    try:
        v = f()
        texts["c." + name] = repr(v)
    except Exception as ex:  # noqa: BLE001: the message is the expectation
        texts["c." + name] = "EXC " + str(ex).split("\n")[0]


x = torch.tensor([[ninf, ninf, ninf], [1., 2., ninf], [0., 0., 0.]])
C("softmax", lambda: torch.softmax(x,1))
C("log_softmax", lambda: torch.log_softmax(x,1))
C("lse", lambda: torch.logsumexp(x,1))
C("lse_inf", lambda: torch.logsumexp(torch.tensor([[inf,1.],[inf,inf],[inf,ninf]]),1))
y = torch.tensor([[1.,nan,3.],[2.,1.,0.]])
C("max", lambda: y.max())
C("max1", lambda: y.max(1))
C("min1", lambda: y.min(1))
C("argmax", lambda: y.argmax(1))
C("argmin", lambda: y.argmin(1))
C("sort", lambda: torch.sort(torch.tensor([3.,nan,1.,nan,-inf,2.])))
C("sortd", lambda: torch.sort(torch.tensor([3.,nan,1.,nan,-inf,2.]),descending=True))
C("topk", lambda: torch.topk(torch.tensor([3.,nan,1.,5.]),2))
C("topks", lambda: torch.topk(torch.tensor([3.,nan,1.,5.]),2,largest=False))
C("amax", lambda: y.amax(1))
C("maximum", lambda: torch.maximum(torch.tensor([1.,nan]),torch.tensor([nan,2.])))
C("fmax", lambda: torch.fmax(torch.tensor([1.,nan]),torch.tensor([nan,2.])))
C("cummax", lambda: torch.tensor([1.,nan,3.]).cummax(0))
C("median", lambda: torch.tensor([1.,nan,3.]).median())
C("nanmedian", lambda: torch.tensor([1.,nan,3.,4.]).nanmedian())
C("sum_i32", lambda: torch.tensor([2**31-1,1],dtype=torch.int32).sum())
C("sum_u8", lambda: torch.tensor([200,100],dtype=torch.uint8).sum())
C("sum_bool", lambda: torch.tensor([True,True,False]).sum())
C("prod_i32", lambda: torch.tensor([2**20,2**20],dtype=torch.int32).prod())
C("cumsum_u8", lambda: torch.tensor([200,100],dtype=torch.uint8).cumsum(0))
C("cumsum_bool", lambda: torch.tensor([True,True]).cumsum(0))
a=torch.tensor([7,-7,7,-7]); b=torch.tensor([2,2,-2,-2])
C("floordiv", lambda: torch.floor_divide(a,b))
C("rem", lambda: torch.remainder(a,b))
C("fmod", lambda: torch.fmod(a,b))
C("div", lambda: a/b)
C("div_trunc", lambda: torch.div(a,b,rounding_mode='trunc'))
C("div_floor", lambda: torch.div(a,b,rounding_mode='floor'))
C("fdiv_f", lambda: torch.floor_divide(torch.tensor([7.5,-7.5]),torch.tensor([2.,2.])))
C("rem_f", lambda: torch.remainder(torch.tensor([7.5,-7.5, 5., -0.0]),torch.tensor([-2.,2., 0., 2.])))
C("fmod_f", lambda: torch.fmod(torch.tensor([7.5,-7.5,5.]),torch.tensor([-2.,2.,0.])))
C("rem_scalar", lambda: torch.remainder(torch.tensor([-3,3]), 5))
C("rem_scalar_f", lambda: torch.remainder(torch.tensor([-3,3]), 2.5))
C("u8wrap", lambda: torch.tensor([250],dtype=torch.uint8)+10)
C("u8sub", lambda: torch.tensor([3],dtype=torch.uint8)-torch.tensor([5],dtype=torch.uint8))
C("u8neg", lambda: -torch.tensor([3],dtype=torch.uint8))
C("u8mul", lambda: torch.tensor([16],dtype=torch.uint8)*torch.tensor([17],dtype=torch.uint8))
C("i8", lambda: torch.tensor([127],dtype=torch.int8)+1)
C("shl", lambda: torch.tensor([1,-8,3])<<torch.tensor([3,1,62]))
C("shr", lambda: torch.tensor([16,-16,-1])>>torch.tensor([2,2,5]))
C("shl_s", lambda: torch.tensor([1,2],dtype=torch.int32)<<31)
C("shl_u8", lambda: torch.tensor([129],dtype=torch.uint8)<<1)
C("shr_i8", lambda: torch.tensor([-128],dtype=torch.int8)>>1)
C("band", lambda: torch.tensor([12,-1])&torch.tensor([10,5]))
C("bxor", lambda: torch.tensor([True,False])^torch.tensor([True,True]))
C("bnot", lambda: ~torch.tensor([0,-1,5]))
C("bnot_u8", lambda: ~torch.tensor([0,5],dtype=torch.uint8))
C("cmp1", lambda: torch.tensor([1,2,3])<2.5)
C("cmp2", lambda: torch.tensor([True,False])==torch.tensor([1.,0.]))
C("cmp3", lambda: torch.tensor([1,2],dtype=torch.uint8)>torch.tensor([-1,1],dtype=torch.int8))
C("cmp4", lambda: torch.tensor([0.1],dtype=torch.float32)==torch.tensor([0.1],dtype=torch.float64))
C("cmp5", lambda: torch.tensor([2**53+1])==torch.tensor([float(2**53)]))
C("clamp_minmax", lambda: torch.tensor([-1.,0.5,3.]).clamp(2.,1.))
C("clamp_int", lambda: torch.tensor([-1,5,3]).clamp(4,2))
C("pow_negfrac", lambda: torch.tensor([-8.,-1.,8.])**(1/3))
C("pow00", lambda: torch.tensor([0.,0.])**torch.tensor([0.,-1.]))
C("pow00i", lambda: torch.tensor([0,2])**0)
C("powi_over", lambda: torch.tensor([3])**41)
C("powi32", lambda: torch.tensor([3],dtype=torch.int32)**21)
C("pow_s_t", lambda: 2**torch.tensor([0,10,70]))
C("round", lambda: torch.round(torch.tensor([0.5,1.5,2.5,-0.5,-1.5,-2.5,2.675])))
C("round_dec", lambda: torch.round(torch.tensor([1.25,1.35,2.675,-0.125]),decimals=2))
C("round_f32", lambda: torch.round(torch.tensor([0.5,1.5,2.5],dtype=torch.float32)))
v = torch.full((100000,),0.1,dtype=torch.float32)
C("cumsum_f32_mid", lambda: v.cumsum(0)[[9999, 49999]])
C("mean_empty", lambda: torch.tensor([]).mean())
C("sum_empty", lambda: torch.tensor([]).sum())
C("prod_empty", lambda: torch.tensor([]).prod())
C("mean_empty_dim", lambda: torch.zeros(2,0).mean(1))
C("var_corr", lambda: torch.tensor([1.,2.,3.]).var(0,correction=4))
C("var_corr3", lambda: torch.tensor([1.,2.,3.]).var(0,correction=3))
C("std1", lambda: torch.tensor([5.]).std())
C("var_corr2", lambda: torch.tensor([1.,2.,3.]).var(0,correction=2))
C("print_naninf", lambda: torch.tensor([nan,inf,-inf,1.5]))
C("print_sci", lambda: torch.tensor([1e-10,1.,1e10]))
C("print_big", lambda: torch.tensor([123456789.,1.]))
C("print_small", lambda: torch.tensor([1e-5,2e-5]))
C("print_i64", lambda: torch.tensor([-2**63, 2**63-1]))
C("print_int_nan", lambda: torch.tensor([1.,2.,nan]))
C("print_f32", lambda: torch.tensor([1/3, 2/3],dtype=torch.float32))
C("print_ints_as_float", lambda: torch.tensor([1.,2.,100.]))
C("print_negzero", lambda: torch.tensor([-0.0, 0.0]))
C("print_big_inf", lambda: torch.tensor([1e20, inf]))
torch.set_printoptions(precision=2, sci_mode=False)
C("po_prec2", lambda: torch.tensor([1e-10,1.23456,1e10]))
torch.set_printoptions(precision=6, sci_mode=True)
C("po_sci", lambda: torch.tensor([1.5,2.25]))
torch.set_printoptions(profile="default")
torch.set_printoptions(threshold=5, edgeitems=2)
C("po_thr", lambda: torch.arange(10.))
C("po_thr2", lambda: torch.arange(30.).reshape(5,6))
torch.set_printoptions(profile="default")
torch.set_printoptions(linewidth=30)
C("po_lw", lambda: torch.arange(12.)*1.5)
torch.set_printoptions(profile="default")
C("mean_int", lambda: torch.tensor([1,2]).mean())
C("amax_empty", lambda: torch.zeros(0).amax())
C("max_empty", lambda: torch.zeros(0).max())
C("argmax_empty", lambda: torch.zeros(0).argmax())
C("powi_neg", lambda: torch.tensor([2])**-1)
C("powi_negt", lambda: torch.tensor([2])**torch.tensor([-1]))
C("pow_1neg", lambda: torch.tensor([1,-1])**torch.tensor([-1,-3]))
C("fdiv0", lambda: torch.tensor([1])//torch.tensor([0]))
C("rem0", lambda: torch.tensor([1])%torch.tensor([0]))
C("fmod0", lambda: torch.fmod(torch.tensor([1]),torch.tensor([0])))
C("div0", lambda: torch.tensor([1,-1,0])/torch.tensor([0,0,0]))
C("divtrunc0", lambda: torch.div(torch.tensor([1]),torch.tensor([0]),rounding_mode='trunc'))
C("clamp_nan", lambda: torch.tensor([nan,1.]).clamp(0.,0.5))
C("clamp_nanbound", lambda: torch.tensor([0.,1.]).clamp(min=torch.tensor([nan,0.])))
C("max_allnan", lambda: torch.tensor([[nan,nan],[1.,nan]]).max(1))
C("kth", lambda: torch.tensor([3.,nan,1.]).kthvalue(2))
C("argsort", lambda: torch.tensor([nan,1.,nan,0.]).argsort(stable=True))
C("nansum", lambda: torch.tensor([nan,1.,2.]).nansum())
C("nanmean", lambda: torch.tensor([nan,1.,2.]).nanmean())
C("nanmean_all", lambda: torch.tensor([nan,nan]).nanmean())
C("std_int", lambda: torch.tensor([1,2]).std())
C("isclose", lambda: torch.isclose(torch.tensor([nan,inf,1.]),torch.tensor([nan,inf,1.+1e-9])))
C("isclose_en", lambda: torch.isclose(torch.tensor([nan]),torch.tensor([nan]),equal_nan=True))
C("sum_dtype", lambda: torch.tensor([200,100],dtype=torch.uint8).sum(dtype=torch.uint8))
C("u8_div", lambda: torch.tensor([7],dtype=torch.uint8)//torch.tensor([2],dtype=torch.uint8))
C("u8_float", lambda: torch.tensor([7],dtype=torch.uint8)*1.5)
C("bool_add", lambda: torch.tensor([True])+torch.tensor([True]))
C("bool_sub", lambda: torch.tensor([True])-torch.tensor([True]))
C("bool_mul_int", lambda: torch.tensor([True,False])*3)
C("int_float_scalar", lambda: torch.tensor([1,2],dtype=torch.int32)*2.5)
C("i32_plus_i64", lambda: torch.tensor([1],dtype=torch.int32)+torch.tensor(5))
C("i32_plus_0dimf", lambda: torch.tensor([1],dtype=torch.int32)+torch.tensor(5.))
C("u8_plus_i8", lambda: torch.tensor([200],dtype=torch.uint8)+torch.tensor([1],dtype=torch.int8))
C("int_inplace_float", lambda: torch.tensor([1,2]).add_(1.5))
C("int_div_", lambda: torch.tensor([1,2]).div_(2))
C("sqrt_int", lambda: torch.tensor([4,2]).sqrt())
C("int_abs_min", lambda: torch.tensor([-2**63]).abs())
C("sign", lambda: torch.tensor([-0.0,nan,-2.]).sign())
C("sgn", lambda: torch.tensor([-0.0,nan]).sgn())
C("trunc_frac", lambda: torch.tensor([-2.5,inf]).frac())
C("exp_big", lambda: torch.tensor([710.,-750.]).exp())
C("log_neg", lambda: torch.tensor([-1.,0.]).log())
C("log1p_m1", lambda: torch.tensor([-1.,-2.]).log1p())
C("sigmoid_ext", lambda: torch.tensor([-800.,800.]).sigmoid())
C("softplus_big", lambda: torch.nn.functional.softplus(torch.tensor([100.,-100.])))
C("logaddexp", lambda: torch.logaddexp(torch.tensor([ninf,inf,ninf]),torch.tensor([ninf,inf,1.])))
C("lse_nan", lambda: torch.logsumexp(torch.tensor([[nan,1.],[inf,ninf]]),1))
C("softmax_inf", lambda: torch.softmax(torch.tensor([inf,1.]),0))
C("masked_softmax", lambda: torch.softmax(torch.tensor([[1.,2.],[3.,4.]]).masked_fill(torch.tensor([[True,True],[False,True]]),ninf),1))
C("lse_f32_big", lambda: torch.logsumexp(torch.tensor([1e38,1e38],dtype=torch.float32),0))
C("cumsum_i32", lambda: torch.tensor([2**31-1,1],dtype=torch.int32).cumsum(0))
C("cumprod_i32", lambda: torch.tensor([2**16,2**16],dtype=torch.int32).cumprod(0))
C("prod_u8", lambda: torch.tensor([16,17],dtype=torch.uint8).prod())
C("mean_bool", lambda: torch.tensor([True,False]).float().mean())
C("sum_i8_dim", lambda: torch.tensor([[100,100]],dtype=torch.int8).sum(1))
C("max_int_dim", lambda: torch.tensor([[1,5]],dtype=torch.uint8).max(1))
C("round_int", lambda: torch.tensor([3]).round())
C("round_neg_dec", lambda: torch.tensor([1234.5678,-15.]).round(decimals=-1))
C("floor_int", lambda: torch.tensor([3]).floor())
C("int_min_div", lambda: torch.div(torch.tensor([-7]),2,rounding_mode='floor'))
C("remainder_float_neg0", lambda: torch.remainder(torch.tensor([-4.,4.]),torch.tensor([2.,-2.])))
C("float_to_int", lambda: torch.tensor([2.7,-2.7,nan,1e20]).to(torch.int64)[:2])
C("i64_to_i32", lambda: torch.tensor([2**31+5]).to(torch.int32))
C("float_to_bool", lambda: torch.tensor([0.,-0.,nan,0.1]).bool())
C("f64_to_f32_over", lambda: torch.tensor([1e39,-1e39,1e-46]).float())
C("f32_to_f16", lambda: torch.tensor([70000.,1e-8, 65519.]).half())
C("f32_to_bf16", lambda: torch.tensor([1.00390625, 1.01171875]).bfloat16())
C("linspace1", lambda: torch.linspace(0,1,1))
C("half_sum", lambda: torch.full((3000,),1.,dtype=torch.float16).sum())
C("half_mean", lambda: torch.full((3000,),10.,dtype=torch.float16).mean())
C("bf16_sum", lambda: torch.full((1000,),1.,dtype=torch.bfloat16).sum())
C("var_f32_offset", lambda: torch.tensor([1e4+1,1e4+2,1e4+3],dtype=torch.float32).var())
C("topk_ties", lambda: torch.tensor([1.,2.,2.,1.]).topk(2))
C("sort_ties_stable", lambda: torch.tensor([1.,0.,1.,0.]).sort(stable=True,descending=True))
C("max_ties", lambda: torch.tensor([[1.,3.,3.]]).max(1))
C("argmin_ties", lambda: torch.tensor([2,1,1]).argmin())
C("mode", lambda: torch.tensor([1,2,2,1,3]).mode())
C("sort_int_neg", lambda: torch.tensor([3,-1,2],dtype=torch.int8).sort())
C("sort_bool", lambda: torch.tensor([True,False,True]).sort())
C("sort_negzero", lambda: torch.tensor([0.,-0.,0.]).sort(stable=True))
C("topk_inf_nan", lambda: torch.tensor([inf,nan,ninf]).topk(3))
C("cummin_nan", lambda: torch.tensor([3.,nan,1.]).cummin(0))
C("logcumsumexp", lambda: torch.tensor([ninf,ninf,0.,inf]).logcumsumexp(0))
C("cumsum_inf", lambda: torch.tensor([inf,ninf,1.]).cumsum(0))
C("prod_zero_nan", lambda: torch.tensor([0.,inf]).prod())
C("norm_inf", lambda: torch.tensor([inf,1.]).norm())
C("hypot", lambda: torch.hypot(torch.tensor([1e200,inf]),torch.tensor([1e200,nan])))
C("var_big", lambda: torch.tensor([1e200,-1e200]).var())
C("mean_big", lambda: torch.tensor([1e308,1e308]).mean())
C("pow_s_i32", lambda: 2 ** torch.tensor([1, 2, 31], dtype=torch.int32))
C("pow_s_neg", lambda: 2 ** torch.tensor([-1, 3, 0]))
C("pow_s_neg1", lambda: (-1) ** torch.tensor([-3, 2, 5]))
C("pow_s_bool", lambda: 2 ** torch.tensor([True, False]))
C("pow_s_u8", lambda: 3 ** torch.tensor([2, 6], dtype=torch.uint8))
C("pow_s_float", lambda: 2 ** torch.tensor([0.5, -1.0]))
C("arange_float_bounds", lambda: torch.arange(0.0, 4.0))
C("arange_float_step", lambda: torch.arange(0.0, 4.0, 1.0))
C("arange_float_end", lambda: torch.arange(3.0))
C("arange_ints", lambda: torch.arange(10, 0, -3))
C("arange_mixed", lambda: torch.arange(0, 2.5))
C("arange_ceil", lambda: torch.arange(1, 1.3, 0.1))
C("arange_ceil2", lambda: torch.arange(0, 0.3, 0.1))
C("full_int", lambda: torch.full((2,), 3))
C("full_float", lambda: torch.full((2,), 3.0))
C("full_bool", lambda: torch.full((2,), True))
C("full_big", lambda: torch.full((1,), 2 ** 60 + 1))
wm = torch.tensor([True, False])
C("where_two_ints", lambda: torch.where(wm, 1, 0))
C("where_two_numbers", lambda: torch.where(wm, 1.0, 0))
C("where_number_first", lambda: torch.where(wm, 0.5, torch.tensor([1, 2])))
C("where_number_first_f32", lambda: torch.where(wm, 0.5, torch.tensor([1., 2.], dtype=torch.float32)))
C("where_int_first_i32", lambda: torch.where(wm, 3, torch.tensor([1, 2], dtype=torch.int32)))
torch.set_printoptions(profile="default")

torch.save(out, "programs8.pt")
with open("texts8.txt", "w") as fh:
    for k, v in texts.items():
        fh.write(k + "|" + v.replace("\n", "\\n") + "\n")
print(len(out), "tensors,", len(texts), "texts")
