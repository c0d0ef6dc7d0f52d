# Writes expected.txt for TrainingTwinTest: whole training runs of tiny models, step for step.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (PyTorch 1.13 on this machine; Ember follows PyTorch 2.x).
#
# For each model: PyTorch builds it with a fixed seed (its default init), the script writes its initial state dict and
# a fixed data batch, runs STEPS training steps (loss, backward, gradient clipping, optimizer step, scheduler step) and
# writes per step the loss, the learning rate after the scheduler's step, the value clip_grad_norm_ returned (where
# used) and every parameter's sum and sum of squares after the step; at the end the full state dict (buffers included),
# the optimizer's state tensors and the eval-mode output on the batch (for the biggest models the final values and
# the optimizer's state of the first entries only, to keep the file small). Everything in float64 (but the float32 MLP)
# so the Java side can compare to ~1e-10 relative. It also writes resume.pt: torch.save of PyTorch's own checkpoints
# (model, optimizer and scheduler state dicts) after 3 steps of some runs, from which the Java side resumes.
#
# 1.13 vs 2.x: the update rules used here (SGD, Adam/AdamW with amsgrad, RMSprop, Adagrad, Adamax, Adadelta, RAdam,
# Rprop, LBFGS) are the same algorithms in 2.x's single-tensor paths (2.x writes exp_avg.lerp_(grad, 1 - beta1) where
# 1.13 writes exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1): a last-bit difference, far under the tolerance; NAdam,
# which differs, is not used); the schedulers used give the same rates on these paths. 1.13's scheduler states carry
# 'verbose' (as 2.x's up to 2.6). zero_grad: 1.13's default is set_to_none=False and 2.x's True; the script passes it
# explicitly. The causal mask is written out as 2.x's generate_square_subsequent_mask (float -inf above the diagonal).
# Models avoid a bias right before a normalization (its gradient is rounding noise, which Adam or Rprop would turn
# into full steps in either library); MultiheadAttention's in_proj_bias has such a part (the keys'), which the Java
# side compares to an absolute 1e-9.
#
# Format: "=== model" then lines "name value": tensors as "dtype [shape] : values" (flattened Python reprs), lists as
# Python reprs.
import copy
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

torch.set_default_dtype(torch.float64)
STEPS = 6
# PyTorch's own checkpoints after 3 steps of the CNN and of the parameter-group model (model, optimizer and scheduler
# state dicts), written with torch.save to resume.pt beside this script: Ember resumes from them
CHECKPOINTS = {}
RESUME_AT = 3


def snap(name, s, model, opt, sched=None):
    # deep copies: a state dict holds the live tensors, which the next steps change in place
    if s == RESUME_AT:
        ck = {"model": model.state_dict(), "optimizer": opt.state_dict()}
        if sched is not None:
            ck["scheduler"] = sched.state_dict()
        CHECKPOINTS[name] = copy.deepcopy(ck)


def tline(t):
    t = t.detach()
    dt = str(t.dtype).replace("torch.", "")
    return "%s [%s] : %s" % (dt, ", ".join(str(s) for s in t.shape), repr(t.flatten().tolist()))


class Case:
    def __init__(self, name):
        self.name = name
        self.lines = []

    def put(self, k, v):
        self.lines.append("%s %s" % (k, v))

    def tensor(self, k, t):
        self.put(k, tline(t))

    def state(self, prefix, sd, limit=None):
        # every key; the values of the first `limit` entries only where given (big models: the per-step sums and
        # sums of squares still check every parameter)
        self.put(prefix + "_keys", " ".join(prefix + "." + k for k in sd))
        for i, (k, v) in enumerate(sd.items()):
            if limit is None or i < limit:
                self.tensor(prefix + "." + k, v)

    def params_after(self, step, model):
        ps = [p for _, p in model.named_parameters()]
        self.put("step%d.psum" % step, repr([p.detach().sum().item() for p in ps]))
        self.put("step%d.psq" % step, repr([(p.detach() ** 2).sum().item() for p in ps]))

    def opt_state(self, model, opt, limit=None, prefix="opt"):
        # optimizer state by parameter name: "<param>.<state key>" (step as a number); the values of the first `limit`
        # parameters' state only where given (to keep the file small), the keys of all
        pid = {id(p): n for n, p in model.named_parameters()}
        keys = []
        for i, (p, st) in enumerate(opt.state.items()):
            for sk, sv in st.items():
                k = "%s.%s.%s" % (prefix, pid[id(p)], sk)
                keys.append(k)
                if limit is not None and i >= limit:
                    continue
                if torch.is_tensor(sv):
                    self.tensor(k, sv.to(torch.float64) if sk == "step" else sv)
                else:
                    self.put(k, repr(float(sv)))
        self.put(prefix + "_keys", " ".join(keys))

    def emit(self):
        print("=== " + self.name)
        for l in self.lines:
            print(l)


# ------------------------------------------------------------------ 1. MLP + CE(label_smoothing) + AdamW(amsgrad) + OneCycleLR + clip_grad_norm_
def mlp():
    c = Case("mlp")
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.randn(6, 4)
    y = torch.tensor([0, 2, 1, 1, 0, 2])
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05, amsgrad=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS + 2)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.norm" % s, repr(n.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.put("step%d.beta1" % s, repr(opt.param_groups[0]["betas"][0]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 2. CNN + BatchNorm2d + MaxPool + Dropout(0) + SGD(nesterov) + StepLR
def cnn():
    c = Case("cnn")
    torch.manual_seed(2)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.0), nn.Flatten(), nn.Linear(12, 2))
    x = torch.randn(4, 1, 4, 4)
    y = torch.tensor([1, 0, 0, 1])
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    model.train()
    for s in range(STEPS):
        snap("cnn", s, model, opt, sched)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.params_after(s, model)
        c.tensor("step%d.running_mean" % s, model[1].running_mean)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 3. Embedding + 2-layer LSTM (batch_first) + Linear, NLL(log_softmax), Adam + clip_grad_value_
class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 3)
        self.lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
        self.head = nn.Linear(4, 5)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return F.log_softmax(self.head(out), dim=-1)


def lstm():
    c = Case("lstm")
    torch.manual_seed(3)
    model = CharLSTM()
    seq = torch.tensor([[0, 1, 2, 3, 4, 0], [2, 2, 1, 0, 3, 1]])
    x, y = seq[:, :-1], seq[:, 1:]
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.nll_loss(model(x).reshape(-1, 5), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 0.05)
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict(), limit=4)
    c.opt_state(model, opt, limit=3)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 3b. GRU over pack_padded_sequence (unequal lengths, unsorted) + Linear on h_n, MSE, Adam(weight_decay)
class PackedGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return self.head(h[-1]), padded


def gru():
    c = Case("gru")
    torch.manual_seed(4)
    model = PackedGRU()
    x = torch.randn(3, 5, 3)
    lengths = torch.tensor([3, 5, 2])
    target = torch.randn(3, 2)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("lengths", lengths)
    c.tensor("target", target)
    opt = torch.optim.Adam(model.parameters(), lr=0.03, weight_decay=0.01)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        pred, padded = model(x, lengths)
        loss = F.mse_loss(pred, target) + 0.1 * padded.pow(2).mean()
        loss.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        pred, padded = model(x, lengths)
        c.tensor("eval", pred)
        c.tensor("eval_padded", padded)
    c.emit()


# ------------------------------------------------------------------ 4. Embedding + TransformerEncoder(norm_first, gelu, causal) + LayerNorm + Linear, CE(ignore_index), AdamW + LambdaLR warmup, 2 micro-batches
class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 8)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 7)

    def forward(self, x):
        L = x.shape[1]
        mask = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
        return self.head(self.norm(self.enc(self.emb(x), mask=mask)))


def warmup(step):
    return min(1.0, (step + 1) / 3.0)


def transformer():
    c = Case("transformer")
    torch.manual_seed(5)
    model = TinyLM()
    seq = torch.tensor([[1, 2, 3, 4, 5], [6, 5, 4, 0, 0], [2, 4, 6, 1, 3], [3, 3, 1, 0, 0]])
    x, y = seq[:, :-1], seq[:, 1:].clone()
    y[y == 0] = -1  # padding: ignored
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for mb in range(2):
            xb, yb = x[2 * mb:2 * mb + 2], y[2 * mb:2 * mb + 2]
            loss = F.cross_entropy(model(xb).reshape(-1, 7), yb.reshape(-1), ignore_index=-1) / 2
            loss.backward()
            total += loss.item()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(total))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.params_after(s, model)
    c.state("final", model.state_dict(), limit=4)
    c.opt_state(model, opt, limit=3)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 5. VAE step: Normal rsample at fixed noise, kl_divergence, BCEWithLogits, RMSprop(centered, momentum)
class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(6, 4)
        self.dec = nn.Linear(2, 6)

    def forward(self, x, eps):
        h = self.enc(x)
        mu, logvar = h[:, :2], h[:, 2:]
        std = torch.exp(0.5 * logvar)
        q = Normal(mu, std)
        z = mu + eps * std  # Normal.rsample's loc + eps * scale, at a given eps
        kl = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(std))).sum()
        return self.dec(z), kl


def vae():
    c = Case("vae")
    torch.manual_seed(6)
    model = VAE()
    x = torch.rand(5, 6).round()
    eps = torch.randn(STEPS, 5, 2)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("eps", eps)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.5,
                              centered=True)
    for s in range(STEPS):
        snap("vae", s, model, opt)
        opt.zero_grad(set_to_none=True)
        logits, kl = model(x, eps[s])
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        loss = (rec + kl) / x.shape[0]
        loss.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.kl" % s, repr(kl.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    c.emit()


# ------------------------------------------------------------------ 6. parameter groups (no decay on biases and norms), a frozen layer, CosineAnnealingLR
def groups():
    c = Case("groups")
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(4, 6), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 3))
    model[0].requires_grad_(False)
    x = torch.randn(5, 4)
    target = torch.randn(5, 3)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0, "lr": 0.02}], lr=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-3)
    for s in range(STEPS):
        snap("groups", s, model, opt, sched)
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lrs" % s, repr(sched.get_last_lr()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    opt.zero_grad(set_to_none=True)
    c.put("grads_after_zero_grad", repr([p.grad is None for p in model.parameters()]))
    c.emit()


# ------------------------------------------------------------------ 7. the MLP of 1. in float32 (compared to ~1e-5)
def mlp32():
    c = Case("mlp32")
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).float()
    x = torch.randn(6, 4).float()
    y = torch.tensor([0, 2, 1, 1, 0, 2])
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.05, amsgrad=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS + 2)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.norm" % s, repr(n.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.put("step%d.beta1" % s, repr(opt.param_groups[0]["betas"][0]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 8. a head tied to the embedding (F.linear on emb.weight), Embedding(padding_idx),
# CE(weight, ignore_index, label_smoothing), a branch used on even steps only, zero_grad(set_to_none=False) + Adam
# (the unused branch's zero gradients still move it: its moments decay), BatchNorm1d(momentum=None: cumulative average)
class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4, padding_idx=0)
        self.proj = nn.Linear(4, 4, bias=False)  # a bias before BatchNorm gets a gradient of rounding noise only
        self.bn = nn.BatchNorm1d(4, momentum=None)
        self.aux = nn.Linear(4, 1)

    def forward(self, x):
        h = torch.tanh(self.bn(self.proj(self.emb(x))))
        return F.linear(h, self.emb.weight), h


def tied():
    c = Case("tied")
    torch.manual_seed(8)
    model = TiedLM()
    x = torch.tensor([0, 1, 2, 3, 4, 5, 1, 3])
    y = torch.tensor([1, 2, -1, 4, 5, 0, 3, -1])
    w = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.7, 1.2])
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    c.tensor("w", w)
    opt = torch.optim.Adam(model.parameters(), lr=0.02, betas=(0.8, 0.9))
    for s in range(STEPS):
        opt.zero_grad(set_to_none=False)
        logits, h = model(x)
        loss = F.cross_entropy(logits, y, weight=w, ignore_index=-1, label_smoothing=0.2)
        if s % 2 == 0:
            loss = loss + model.aux(h).pow(2).mean()
        loss.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    c.put("grads_zero_not_none", repr([p.grad is not None and bool((p.grad == 0).all()) for p in model.parameters()]))
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x)[0])
    c.emit()


# ------------------------------------------------------------------ 9. the encoder of 4. with a key padding mask as well as the causal mask,
# GroupNorm + SiLU on the embedding, SGD (momentum, dampening) + clip_grad_norm_(norm_type=inf)
class PadLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 8, padding_idx=0)
        self.gn = nn.GroupNorm(2, 8)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = nn.Linear(8, 7)

    def forward(self, x):
        L = x.shape[1]
        mask = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
        e = self.emb(x)
        e = F.silu(self.gn(e.transpose(1, 2)).transpose(1, 2))
        return self.head(self.enc(e, mask=mask, src_key_padding_mask=(x == 0)))


def transformer_pad():
    c = Case("transformer_pad")
    torch.manual_seed(9)
    model = PadLM()
    seq = torch.tensor([[1, 2, 3, 4, 5], [6, 5, 4, 0, 0], [2, 4, 6, 1, 0]])
    x, y = seq[:, :-1], seq[:, 1:]
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.8, dampening=0.3)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).reshape(-1, 7), y.reshape(-1), ignore_index=0)
        loss.backward()
        n = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.3, norm_type=float("inf"))
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.norm" % s, repr(n.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict(), limit=4)
    c.opt_state(model, opt, limit=3)
    model.eval()
    with torch.no_grad():
        out = model(x)
        c.tensor("eval", out[x != 0])  # padded positions' outputs are not compared (PyTorch's fast path may zero them)
    c.emit()


# ------------------------------------------------------------------ 10. parametrizations: spectral_norm (its power iteration updates _u, _v
# in every training forward) and orthogonal (matrix_exp, trivialization: a base buffer), Adam, then eval
def param():
    from torch.nn.utils import parametrizations as P
    c = Case("param")
    torch.manual_seed(10)
    model = nn.Sequential(P.spectral_norm(nn.Linear(4, 5)), nn.Tanh(), P.orthogonal(nn.Linear(5, 5)), nn.Linear(5, 2))
    x = torch.randn(6, 4)
    target = torch.randn(6, 2)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
        c.tensor("eval_weight0", model[0].weight)
        c.tensor("eval_weight2", model[2].weight)
    c.emit()


# ------------------------------------------------------------------ 11. LBFGS with the strong Wolfe line search over a closure
def lbfgs():
    c = Case("lbfgs")
    torch.manual_seed(11)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = torch.randn(8, 3)
    target = torch.randn(8, 1)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=5, history_size=3, line_search_fn="strong_wolfe")
    evals = [0]

    def closure():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), target)
        loss.backward()
        evals[0] += 1
        return loss

    for s in range(4):
        snap("lbfgs", s, model, opt)
        loss = opt.step(closure)
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.evals" % s, repr(evals[0]))
        c.params_after(s, model)
    st = opt.state[opt._params[0]]
    c.put("func_evals", repr(st["func_evals"]))
    c.put("n_iter", repr(st["n_iter"]))
    c.state("final", model.state_dict())
    c.emit()


# ------------------------------------------------------------------ 12. SWA: AveragedModel from step 2, SWALR, update_bn over two batches
def swa():
    from torch.optim.swa_utils import AveragedModel, SWALR, update_bn
    c = Case("swa")
    torch.manual_seed(12)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    x = torch.randn(6, 3)
    y = torch.tensor([0, 1, 1, 0, 1, 0])
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("y", y)
    swa_model = AveragedModel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    sched = SWALR(opt, swa_lr=0.05, anneal_epochs=2, anneal_strategy="linear")
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if s >= 2:
            swa_model.update_parameters(model)
            sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(opt.param_groups[0]["lr"]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    update_bn([x[:3], x[3:]], swa_model)
    c.state("swa", swa_model.state_dict())
    swa_model.eval()
    with torch.no_grad():
        c.tensor("eval", swa_model(x))
    c.emit()


# ------------------------------------------------------------------ 13. activation checkpointing around a block with BatchNorm1d: the
# recomputation in backward runs the block's forward again, so its running statistics are updated twice per step
# (num_batches_tracked counts 2 per step) in PyTorch, reentrant or not
class CkptNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.block = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.GELU())
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        from torch.utils.checkpoint import checkpoint
        return self.out(checkpoint(self.block, self.inp(x), use_reentrant=False))


def ckpt():
    c = Case("ckpt")
    torch.manual_seed(13)
    model = CkptNet()
    x = torch.randn(5, 3)
    target = torch.randn(5, 2)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for s in range(3):
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.emit()


# ------------------------------------------------------------------ 14. a 2-layer bidirectional LSTM with proj_size over a packed (sorted,
# time-first) batch, Adagrad (lr_decay, initial accumulator) + ExponentialLR
class BiLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
        self.head = nn.Linear(4, 1)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths)
        out, (h, cc) = self.lstm(packed)
        padded, _ = nn.utils.rnn.pad_packed_sequence(out)
        return self.head(padded).squeeze(-1), h, cc


def bilstm():
    c = Case("bilstm")
    torch.manual_seed(14)
    model = BiLSTM()
    x = torch.randn(5, 3, 3)
    lengths = torch.tensor([5, 4, 2])
    target = torch.randn(5, 3)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("lengths", lengths)
    c.tensor("target", target)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        pred, h, cc = model(x, lengths)
        loss = F.smooth_l1_loss(pred, target, beta=0.5) + 0.1 * h.pow(2).sum() + 0.05 * cc.abs().mean()
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.params_after(s, model)
    c.state("final", model.state_dict(), limit=4)
    c.opt_state(model, opt, limit=3)
    c.emit()


# ------------------------------------------------------------------ 15. EmbeddingBag (mean over offsets; sum with per-sample weights),
# Embedding(max_norm: renormalizes looked-up rows in place in every forward, scale_grad_by_freq), Adamax + MultiStepLR
class Bags(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(7, 3, mode="mean")
        self.wbag = nn.EmbeddingBag(7, 3, mode="sum")
        self.emb = nn.Embedding(7, 3, max_norm=1.0, scale_grad_by_freq=True)
        self.head = nn.Linear(9, 2)

    def forward(self, ids, offsets, psw, ids2):
        a = self.bag(ids, offsets)
        b = self.wbag(ids, offsets, per_sample_weights=psw)
        e = self.emb(ids2).mean(1)
        return self.head(torch.cat([a, b, e], 1))


def bags():
    c = Case("bags")
    torch.manual_seed(15)
    model = Bags()
    ids = torch.tensor([1, 2, 4, 5, 4, 3, 2, 6, 0])
    offsets = torch.tensor([0, 2, 5, 6])
    psw = torch.rand(9)
    ids2 = torch.tensor([[1, 1, 2], [3, 4, 4], [5, 6, 1], [2, 2, 2]])
    y = torch.tensor([0, 1, 1, 0])
    c.state("init", model.state_dict())
    for n, v in (("ids", ids), ("offsets", offsets), ("psw", psw), ("ids2", ids2), ("y", y)):
        c.tensor(n, v)
    opt = torch.optim.Adamax(model.parameters(), lr=0.05, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.3)
    for s in range(STEPS):
        snap("bags", s, model, opt, sched)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids, offsets, psw, ids2), y)
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    c.emit()


# ------------------------------------------------------------------ 16. Conv1d (groups, dilation) + InstanceNorm1d (affine, running stats)
# + AdaptiveMaxPool1d + ConvTranspose1d, Rprop + CosineAnnealingWarmRestarts stepped at fractional epochs
class Seq1d(nn.Module):
    def __init__(self):
        super().__init__()
        # no bias before InstanceNorm: its gradient would be rounding noise only, whose sign Rprop follows
        self.conv = nn.Conv1d(2, 4, 3, padding=2, dilation=2, groups=2, bias=False)
        self.norm = nn.InstanceNorm1d(4, affine=True, track_running_stats=True)
        self.pool = nn.AdaptiveMaxPool1d(3)
        self.up = nn.ConvTranspose1d(4, 1, 3, stride=2, padding=1, output_padding=1)

    def forward(self, x):
        return self.up(self.pool(F.elu(self.norm(self.conv(x)))))


def seq1d():
    c = Case("seq1d")
    torch.manual_seed(16)
    model = Seq1d()
    x = torch.randn(3, 2, 7)
    target = torch.randn(3, 1, 6)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    opt = torch.optim.Rprop(model.parameters(), lr=0.02, etas=(0.4, 1.3), step_sizes=(1e-4, 0.1))
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=1e-3)
    for s in range(STEPS):
        snap("seq1d", s, model, opt, sched)
        opt.zero_grad(set_to_none=True)
        loss = F.l1_loss(model(x), target) + F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        sched.step(s * 0.75)
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    model.eval()
    with torch.no_grad():
        c.tensor("eval", model(x))
    c.emit()


# ------------------------------------------------------------------ 17. CyclicLR cycling SGD's momentum (triangular2), PReLU, Hardswish,
# LayerNorm without affine, Huber loss
def cyclic():
    c = Case("cyclic")
    torch.manual_seed(17)
    model = nn.Sequential(nn.Linear(3, 5), nn.PReLU(5), nn.LayerNorm(5, elementwise_affine=False), nn.Linear(5, 4),
                          nn.Hardswish(), nn.Linear(4, 2))
    x = torch.randn(7, 3)
    target = torch.randn(7, 2)
    c.state("init", model.state_dict())
    c.tensor("x", x)
    c.tensor("target", target)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.02)
    sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.2, step_size_up=2, mode="triangular2")
    for s in range(STEPS + 2):
        opt.zero_grad(set_to_none=True)
        loss = F.huber_loss(model(x), target, delta=0.3)
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(sched.get_last_lr()[0]))
        c.put("step%d.momentum" % s, repr(opt.param_groups[0]["momentum"]))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    c.emit()


# ------------------------------------------------------------------ 18. ReduceLROnPlateau on the loss (patience 1, cooldown 1), Adadelta,
# a siamese net (one module applied to three inputs) under triplet margin + cosine embedding losses
def plateau():
    c = Case("plateau")
    torch.manual_seed(18)
    net = nn.Sequential(nn.Linear(4, 6), nn.Softplus(beta=2.0), nn.Linear(6, 3))
    a, p_, n_ = torch.randn(5, 4), torch.randn(5, 4), torch.randn(5, 4)
    lab = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0])
    c.state("init", net.state_dict())
    for nm, v in (("a", a), ("p", p_), ("n", n_), ("lab", lab)):
        c.tensor(nm, v)
    opt = torch.optim.Adadelta(net.parameters(), lr=2.0, rho=0.8, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1, threshold=0.5)
    for s in range(STEPS + 2):
        snap("plateau", s, net, opt, sched)
        opt.zero_grad(set_to_none=True)
        ea, ep, en = net(a), net(p_), net(n_)
        loss = F.triplet_margin_loss(ea, ep, en, margin=0.5, swap=True) + F.cosine_embedding_loss(ea, ep, lab, margin=0.1)
        loss.backward()
        opt.step()
        sched.step(loss.item())
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.lr" % s, repr(opt.param_groups[0]["lr"]))
        c.params_after(s, net)
    c.state("final", net.state_dict())
    c.opt_state(net, opt)
    c.emit()


# ------------------------------------------------------------------ 19. a DQN-like step: a target network (no grad), gather of the taken
# actions, smooth L1, a Polyak average written into the target's parameters under no_grad, parameter gradient hooks
# (scaling one gradient by 0.5), RAdam
def dqn():
    c = Case("dqn")
    torch.manual_seed(19)
    q = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    tgt = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    tgt.load_state_dict(q.state_dict())
    s0, s1 = torch.randn(6, 4), torch.randn(6, 4)
    act = torch.tensor([0, 2, 1, 1, 0, 2])
    rew = torch.randn(6)
    done = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    c.state("init", q.state_dict())
    for nm, v in (("s0", s0), ("s1", s1), ("act", act), ("rew", rew), ("done", done)):
        c.tensor(nm, v)
    q[2].weight.register_hook(lambda g: g * 0.5)
    opt = torch.optim.RAdam(q.parameters(), lr=0.01)
    for s in range(STEPS):
        with torch.no_grad():
            y = rew + 0.9 * (1 - done) * tgt(s1).max(1).values
        qa = q(s0).gather(1, act.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(qa, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pt, pq in zip(tgt.parameters(), q.parameters()):
                pt.mul_(0.7).add_(pq, alpha=0.3)
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, q)
    c.state("final", q.state_dict())
    c.state("target", tgt.state_dict())
    c.opt_state(q, opt)
    c.emit()


# ------------------------------------------------------------------ 20. CTC: a GRU over features, log_softmax over (blank + 3) classes,
# CTC loss (mean over target lengths, zero_infinity), two backward passes with retain_graph (an auxiliary loss), Adam
class CtcNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 5, num_layers=1)
        self.head = nn.Linear(5, 4)

    def forward(self, x):
        out, _ = self.gru(x)
        return F.log_softmax(self.head(out), dim=-1)


def ctc():
    c = Case("ctc")
    torch.manual_seed(20)
    model = CtcNet()
    x = torch.randn(8, 2, 3)
    targets = torch.tensor([[1, 2, 2, 3], [3, 1, 0, 0]])
    in_len = torch.tensor([8, 6])
    tg_len = torch.tensor([4, 2])
    c.state("init", model.state_dict())
    for nm, v in (("x", x), ("targets", targets), ("in_len", in_len), ("tg_len", tg_len)):
        c.tensor(nm, v)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        lp = model(x)
        loss = F.ctc_loss(lp, targets, in_len, tg_len, blank=0, zero_infinity=True)
        loss.backward(retain_graph=True)
        aux = lp.exp()[:, :, 0].mean()
        aux.backward()
        opt.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.put("step%d.aux" % s, repr(aux.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict())
    c.opt_state(model, opt)
    c.emit()


# ------------------------------------------------------------------ 21. WGAN-GP: a critic step with a gradient penalty (autograd.grad with
# create_graph through the critic, then backward through that: double backward of Linear, LeakyReLU, ELU), the
# generator's output detached for the critic, then a generator step; two Adam optimizers (betas 0.5, 0.9)
class GAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.G = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
        self.D = nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(0.2), nn.Linear(5, 5), nn.ELU(), nn.Linear(5, 1))


def wgan():
    c = Case("wgan")
    torch.manual_seed(21)
    gan = GAN()
    real = torch.randn(6, 3) + 1.0
    z = torch.randn(STEPS, 6, 2)
    alpha = torch.rand(STEPS, 6, 1)
    c.state("init", gan.state_dict())
    for nm, v in (("real", real), ("z", z), ("alpha", alpha)):
        c.tensor(nm, v)
    optG = torch.optim.Adam(gan.G.parameters(), lr=0.01, betas=(0.5, 0.9))
    optD = torch.optim.Adam(gan.D.parameters(), lr=0.02, betas=(0.5, 0.9))
    for s in range(STEPS):
        optD.zero_grad(set_to_none=True)
        fake = gan.G(z[s]).detach()
        x_hat = (alpha[s] * real + (1 - alpha[s]) * fake).requires_grad_(True)
        g = torch.autograd.grad(gan.D(x_hat).sum(), x_hat, create_graph=True)[0]
        gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
        loss_d = gan.D(fake).mean() - gan.D(real).mean() + 10 * gp
        loss_d.backward()
        optD.step()
        optG.zero_grad(set_to_none=True)
        loss_g = -gan.D(gan.G(z[s])).mean()
        loss_g.backward()
        optG.step()
        c.put("step%d.loss" % s, repr(loss_d.item()))
        c.put("step%d.gp" % s, repr(gp.item()))
        c.put("step%d.loss_g" % s, repr(loss_g.item()))
        c.params_after(s, gan)
    c.state("final", gan.state_dict())
    c.opt_state(gan, optD, prefix="optD")
    c.opt_state(gan, optG, prefix="optG")
    c.emit()


# ------------------------------------------------------------------ 22. a seq2seq nn.Transformer (1 encoder + 1 decoder layer, batch first):
# a causal target mask, source/target/memory key padding masks, cross-attention, label-smoothed CE ignoring padding,
# Adam with amsgrad, StepLR
class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(6, 4, padding_idx=0)
        self.tgt_emb = nn.Embedding(6, 4, padding_idx=0)
        self.tf = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
                                 dropout=0.0, batch_first=True)
        self.head = nn.Linear(4, 6)

    def forward(self, src, tgt):
        L = tgt.shape[1]
        mask = torch.triu(torch.full((L, L), float("-inf")), diagonal=1)
        out = self.tf(self.src_emb(src), self.tgt_emb(tgt), tgt_mask=mask, src_key_padding_mask=(src == 0),
                      tgt_key_padding_mask=(tgt == 0), memory_key_padding_mask=(src == 0))
        return self.head(out)


def seq2seq():
    c = Case("seq2seq")
    torch.manual_seed(22)
    model = Seq2Seq()
    src = torch.tensor([[1, 2, 3, 4], [5, 3, 0, 0], [2, 2, 1, 0]])
    tgt = torch.tensor([[1, 4, 3, 2, 5], [1, 3, 5, 0, 0], [1, 2, 2, 4, 0]])
    tin, tout = tgt[:, :-1], tgt[:, 1:]
    c.state("init", model.state_dict())
    for nm, v in (("src", src), ("tin", tin), ("tout", tout)):
        c.tensor(nm, v)
    opt = torch.optim.Adam(model.parameters(), lr=0.02, amsgrad=True)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for s in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(src, tin).reshape(-1, 6), tout.reshape(-1), ignore_index=0, label_smoothing=0.1)
        loss.backward()
        opt.step()
        sched.step()
        c.put("step%d.loss" % s, repr(loss.item()))
        c.params_after(s, model)
    c.state("final", model.state_dict(), limit=4)
    c.opt_state(model, opt, limit=3)
    c.emit()


for f in (mlp, cnn, lstm, gru, transformer, vae, groups, mlp32, tied, transformer_pad, param, lbfgs, swa, ckpt,
          bilstm, bags, seq1d, cyclic, plateau, dqn, ctc, wgan, seq2seq):
    f()
torch.save(CHECKPOINTS, os.path.join(os.path.dirname(os.path.abspath(__file__)), "resume.pt"))
