"""Expected values for OutsiderPrograms3Test (session 26's fifth outsider pass): five kinds of programs the earlier passes
did not cover, run here in float64 from PyTorch's initial weights and fixed data, which are saved beside the losses,
learning rates, gradient norms, gradients of named parameters and outputs, so that Ember runs the same steps from the
same numbers:
  vit.*   a small ViT (Conv2d patch embedding, class token and position embedding as Parameters, TransformerEncoder with
          norm_first and gelu, AdamW with a no-decay group for norms, biases and tokens, SequentialLR warmup + cosine,
          clip_grad_norm_, label smoothing)
  unet.*  a small U-Net (Conv2d+GroupNorm+SiLU, MaxPool2d, ConvTranspose2d and bilinear Upsample, cat skips),
          per-pixel cross_entropy with class weights and ignore_index plus a hand-written dice loss, Adam + LambdaLR
  vae.*   a VAE (reparameterization with a saved eps, KL written out, BCE-with-logits reconstruction)
  ddpm.*  a tiny DDPM training step (sinusoidal timestep embedding, linspace betas, cumprod, gather by t, MSE on noise)
          and one reverse step
  gnn.*   message passing over an edge list (index_select, index_add_, scatter_reduce mean/amax include_self=False,
          bincount degrees, global mean pool per graph)
  moe.*   a mixture-of-experts router (softmax, topk, one_hot, scatter, gather, load-balancing loss)
  probe.* what these users vary next, each small: scatter_reduce with ties, a sparse MoE dispatch by torch.where and
          index_add_, invalid-action masking with -inf logits, cross entropy with weight, ignore_index and label
          smoothing at once, interpolate with odd sizes and fractional factors, ConvTranspose2d with output_padding,
          max pooling ties, schedulers past their end, clip_grad_norm_ with the inf norm, cumprod's gradient at zeros,
          the variance of float32 data far from zero, SegNet's pooling indices, distillation with kl_div
  *.f32.* the ViT, U-Net, GNN, MoE and VAE once more in float32 from the same initial weights: one forward and backward
  rl.*    policy gradient with fixed actions (Categorical log_prob/entropy, discounted returns by flip/cumsum/flip,
          advantage normalization, PPO clip with clamp/min, clip_grad_norm_)
Nothing 1.13 computes differently from 2.x is used (no scaled_dot_product_attention; TransformerEncoder runs in
training mode, where 1.13 and 2.x take the same path; eval runs under no_grad, the fast path giving the same values to
rounding).

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs3.pt (a dict of tensors).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.grad.clone()


# 1. ViT --------------------------------------------------------------------------------------------------------------
class ViT(nn.Module):
    def __init__(s, img=8, patch=4, ch=3, d=16, heads=2, depth=2, classes=3):
        super().__init__()
        n = (img // patch) ** 2
        s.patch = nn.Conv2d(ch, d, patch, stride=patch)
        s.cls_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        s.pos_embed = nn.Parameter(torch.randn(1, n + 1, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0.0, activation="gelu", batch_first=True,
                                           norm_first=True)
        s.encoder = nn.TransformerEncoder(layer, depth)
        s.norm = nn.LayerNorm(d)
        s.head = nn.Linear(d, classes)

    def forward(s, x):
        x = s.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1), x], 1) + s.pos_embed
        return s.head(s.norm(s.encoder(x))[:, 0])


torch.manual_seed(1)
vit = ViT()
save_state("vit.init.", vit)
x = torch.randn(4, 3, 8, 8)
y = torch.tensor([0, 2, 1, 2])
out["vit.x"], out["vit.y"] = x, y
with torch.no_grad():  # the other patch embedding: unfold + Linear with the conv's weights
    out["vit.patches"] = F.linear(F.unfold(x, 4, stride=4).transpose(1, 2), vit.patch.weight.flatten(1), vit.patch.bias)
decay = [p for n, p in vit.named_parameters() if p.ndim >= 2 and n not in ("cls_token", "pos_embed")]
no_decay = [p for n, p in vit.named_parameters() if not (p.ndim >= 2 and n not in ("cls_token", "pos_embed"))]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=1e-2, betas=(0.9, 0.95))
sched = torch.optim.lr_scheduler.SequentialLR(opt, [
    torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=2),
    torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-4)], milestones=[2])
losses, lrs, norms = [], [], []
for step in range(5):
    opt.zero_grad()
    loss = F.cross_entropy(vit(x), y, label_smoothing=0.1)
    loss.backward()
    if step == 0:
        save_grads("vit.grad0.", vit)
    norms.append(float(nn.utils.clip_grad_norm_(vit.parameters(), 1.0)))
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
    losses.append(loss.item())
out["vit.loss"], out["vit.lr"], out["vit.norm"] = torch.tensor(losses), torch.tensor(lrs), torch.tensor(norms)
save_state("vit.final.", vit)
vit.eval()
with torch.no_grad():
    out["vit.eval"] = vit(x)


# 2. U-Net ------------------------------------------------------------------------------------------------------------
def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(2, cout), nn.SiLU())


class UNet(nn.Module):
    def __init__(s, ch=3, classes=3):
        super().__init__()
        s.enc1, s.enc2, s.mid = block(ch, 4), block(4, 8), block(8, 8)
        s.pool = nn.MaxPool2d(2)
        s.up2 = nn.ConvTranspose2d(8, 8, 2, stride=2)
        s.dec2 = block(16, 4)
        s.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        s.dec1 = block(8, 4)
        s.head = nn.Conv2d(4, classes, 1)

    def forward(s, x):
        e1 = s.enc1(x)
        e2 = s.enc2(s.pool(e1))
        m = s.mid(s.pool(e2))
        d2 = s.dec2(torch.cat([s.up2(m), e2], 1))
        d1 = s.dec1(torch.cat([s.up1(d2), e1], 1))
        return s.head(d1)


def dice_loss(logits, target, ignore, classes, smooth=1.0):
    valid = (target != ignore).unsqueeze(1)
    probs = logits.softmax(1) * valid
    onehot = F.one_hot(target.masked_fill(~valid.squeeze(1), 0), classes).permute(0, 3, 1, 2).to(logits.dtype) * valid
    inter = (probs * onehot).sum((0, 2, 3))
    union = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    return 1 - ((2 * inter + smooth) / (union + smooth)).mean()


torch.manual_seed(2)
unet = UNet()
save_state("unet.init.", unet)
x = torch.randn(2, 3, 8, 8)
target = torch.randint(0, 3, (2, 8, 8))
target[0, :2, :3] = 255
target[1, 5:, 6:] = 255
cw = torch.tensor([0.5, 1.0, 2.0])
out["unet.x"], out["unet.target"], out["unet.cw"] = x, target, cw
opt = torch.optim.Adam(unet.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.8 ** s)
losses, ces, dices = [], [], []
for step in range(3):
    opt.zero_grad()
    logits = unet(x)
    ce = F.cross_entropy(logits, target, weight=cw, ignore_index=255)
    dl = dice_loss(logits, target, 255, 3)
    loss = ce + dl
    loss.backward()
    if step == 0:
        out["unet.logits0"] = logits.detach().clone()
        save_grads("unet.grad0.", unet)
    opt.step()
    sched.step()
    losses.append(loss.item()); ces.append(ce.item()); dices.append(dl.item())
out["unet.loss"], out["unet.ce"], out["unet.dice"] = torch.tensor(losses), torch.tensor(ces), torch.tensor(dices)
save_state("unet.final.", unet)
unet.eval()
with torch.no_grad():
    out["unet.pred"] = unet(x).argmax(1)


# 3a. VAE --------------------------------------------------------------------------------------------------------------
class VAE(nn.Module):
    def __init__(s, d=12, h=16, z=4):
        super().__init__()
        s.enc = nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, 2 * z))
        s.dec = nn.Sequential(nn.Linear(z, h), nn.Tanh(), nn.Linear(h, d))

    def forward(s, x, eps):
        mu, logvar = s.enc(x).chunk(2, dim=-1)
        z = mu + eps * torch.exp(0.5 * logvar)
        return s.dec(z), mu, logvar


torch.manual_seed(3)
vae = VAE()
save_state("vae.init.", vae)
x = torch.rand(6, 12)
eps = torch.randn(3, 6, 4)
out["vae.x"], out["vae.eps"] = x, eps
opt = torch.optim.Adam(vae.parameters(), lr=5e-3)
losses, kls = [], []
for step in range(3):
    opt.zero_grad()
    logits, mu, logvar = vae(x, eps[step])
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
    loss = recon + 0.5 * kl
    loss.backward()
    if step == 0:
        save_grads("vae.grad0.", vae)
    opt.step()
    losses.append(loss.item()); kls.append(kl.item())
out["vae.loss"], out["vae.kl"] = torch.tensor(losses), torch.tensor(kls)
save_state("vae.final.", vae)


# 3b. DDPM -------------------------------------------------------------------------------------------------------------
def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / half)
    args = t[:, None].to(torch.float64) * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Denoiser(nn.Module):
    def __init__(s, d=6, h=24, temb=8):
        super().__init__()
        s.temb = temb
        s.t_mlp = nn.Sequential(nn.Linear(temb, h), nn.SiLU(), nn.Linear(h, h))
        s.inp = nn.Linear(d, h)
        s.out = nn.Sequential(nn.SiLU(), nn.Linear(h, d))

    def forward(s, x, t):
        return s.out(s.inp(x) + s.t_mlp(timestep_embedding(t, s.temb)))


T = 10
betas = torch.linspace(1e-4, 0.2, T)
alphas = 1.0 - betas
alphas_cumprod = torch.cumprod(alphas, dim=0)
torch.manual_seed(4)
den = Denoiser()
save_state("ddpm.init.", den)
x0 = torch.randn(5, 6)
ts = torch.randint(0, T, (3, 5))
noises = torch.randn(3, 5, 6)
out["ddpm.x0"], out["ddpm.t"], out["ddpm.noise"] = x0, ts, noises
out["ddpm.abar"] = alphas_cumprod.clone()
opt = torch.optim.AdamW(den.parameters(), lr=1e-2, weight_decay=0.01)
losses = []
for step in range(3):
    t, noise = ts[step], noises[step]
    a = alphas_cumprod.gather(0, t).view(-1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    opt.zero_grad()
    loss = F.mse_loss(den(xt, t), noise)
    loss.backward()
    if step == 0:
        save_grads("ddpm.grad0.", den)
    opt.step()
    losses.append(loss.item())
out["ddpm.loss"] = torch.tensor(losses)
save_state("ddpm.final.", den)
xt = torch.randn(5, 6)
z = torch.randn(5, 6)
t = torch.full((5,), 7, dtype=torch.long)
out["ddpm.xt"], out["ddpm.z"] = xt, z
with torch.no_grad():
    eps_hat = den(xt, t)
    b, al, ab = betas[t].view(-1, 1), alphas[t].view(-1, 1), alphas_cumprod[t].view(-1, 1)
    out["ddpm.prev"] = (xt - b / (1 - ab).sqrt() * eps_hat) / al.sqrt() + b.sqrt() * z


# 4a. GNN --------------------------------------------------------------------------------------------------------------
class MPLayer(nn.Module):
    def __init__(s, fin, fout):
        super().__init__()
        s.msg = nn.Linear(fin, fout)
        s.upd = nn.Linear(fin + 3 * fout, fout)

    def forward(s, x, src, dst):
        n, h = x.shape[0], s.msg.out_features
        m = s.msg(x.index_select(0, src))
        summed = x.new_zeros(n, h).index_add_(0, dst, m)
        deg = torch.bincount(dst, minlength=n).clamp(min=1).to(x.dtype).unsqueeze(1)
        idx = dst.unsqueeze(1).expand(-1, h)
        mean = x.new_zeros(n, h).scatter_reduce(0, idx, m, reduce="mean", include_self=False)
        amax = x.new_zeros(n, h).scatter_reduce(0, idx, m, reduce="amax", include_self=False)
        return torch.relu(s.upd(torch.cat([x, summed / deg, mean, amax], 1)))


class GNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1, s.l2 = MPLayer(5, 8), MPLayer(8, 8)
        s.readout = nn.Linear(8, 2)

    def forward(s, x, src, dst, batch, graphs):
        h = s.l2(s.l1(x, src, dst), src, dst)
        pooled = h.new_zeros(graphs, h.shape[1]).index_add_(0, batch, h)
        counts = torch.bincount(batch, minlength=graphs).to(h.dtype).unsqueeze(1)
        return s.readout(pooled / counts)


torch.manual_seed(5)
gnn = GNN()
save_state("gnn.init.", gnn)
x = torch.randn(7, 5)
# graph 0: nodes 0-3, graph 1: nodes 4-6; node 3 has no incoming edge (include_self=False keeps its zero)
src = torch.tensor([0, 1, 2, 0, 3, 1, 2, 4, 5, 6, 5, 3])
dst = torch.tensor([1, 0, 0, 2, 2, 2, 1, 5, 4, 4, 6, 1])
batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
gy = torch.tensor([1, 0])
out["gnn.x"], out["gnn.src"], out["gnn.dst"], out["gnn.batch"], out["gnn.y"] = x, src, dst, batch, gy
opt = torch.optim.SGD(gnn.parameters(), lr=0.1, momentum=0.9)
losses = []
for step in range(3):
    opt.zero_grad()
    logits = gnn(x, src, dst, batch, 2)
    loss = F.cross_entropy(logits, gy)
    loss.backward()
    if step == 0:
        out["gnn.logits0"] = logits.detach().clone()
        save_grads("gnn.grad0.", gnn)
    opt.step()
    losses.append(loss.item())
out["gnn.loss"] = torch.tensor(losses)
save_state("gnn.final.", gnn)


# 4b. MoE --------------------------------------------------------------------------------------------------------------
class MoE(nn.Module):
    def __init__(s, d=6, experts=4, k=2):
        super().__init__()
        s.k, s.e = k, experts
        s.router = nn.Linear(d, experts, bias=False)
        s.experts = nn.ModuleList([nn.Sequential(nn.Linear(d, 8), nn.GELU(), nn.Linear(8, d)) for _ in range(experts)])

    def forward(s, x):
        probs = s.router(x).softmax(-1)
        topv, topi = probs.topk(s.k, dim=-1)
        topv = topv / topv.sum(-1, keepdim=True)
        expert_out = torch.stack([ex(x) for ex in s.experts], 1)                  # (N, E, D)
        picked = expert_out.gather(1, topi.unsqueeze(-1).expand(-1, -1, x.shape[1]))  # (N, k, D)
        y = (topv.unsqueeze(-1) * picked).sum(1)
        gates = torch.zeros_like(probs).scatter(1, topi, topv)                    # (N, E), for the check
        frac = F.one_hot(topi[:, 0], s.e).to(x.dtype).mean(0)
        aux = s.e * (frac * probs.mean(0)).sum()
        return y, gates, aux


torch.manual_seed(6)
moe = MoE()
save_state("moe.init.", moe)
x = torch.randn(10, 6)
tgt = torch.randn(10, 6)
out["moe.x"], out["moe.tgt"] = x, tgt
opt = torch.optim.Adam(moe.parameters(), lr=1e-2)
losses, auxes = [], []
for step in range(3):
    opt.zero_grad()
    y, gates, aux = moe(x)
    loss = F.mse_loss(y, tgt) + 0.01 * aux
    loss.backward()
    if step == 0:
        out["moe.y0"], out["moe.gates0"] = y.detach().clone(), gates.detach().clone()
        save_grads("moe.grad0.", moe)
    opt.step()
    losses.append(loss.item()); auxes.append(aux.item())
out["moe.loss"], out["moe.aux"] = torch.tensor(losses), torch.tensor(auxes)
save_state("moe.final.", moe)


# 5. Policy gradient ---------------------------------------------------------------------------------------------------
class ActorCritic(nn.Module):
    def __init__(s, obs=4, h=16, acts=3):
        super().__init__()
        s.body = nn.Sequential(nn.Linear(obs, h), nn.Tanh())
        s.pi = nn.Linear(h, acts)
        s.v = nn.Linear(h, 1)

    def forward(s, o):
        h = s.body(o)
        return s.pi(h), s.v(h).squeeze(-1)


def discounted_returns(r, gamma):
    disc = gamma ** torch.arange(r.shape[0], dtype=r.dtype)
    return (r * disc).flip(0).cumsum(0).flip(0) / disc


torch.manual_seed(7)
ac = ActorCritic()
save_state("rl.init.", ac)
obs = torch.randn(8, 4)
actions = torch.tensor([0, 2, 1, 1, 0, 2, 2, 1])
rewards = torch.tensor([0.0, 1.0, 0.0, -0.5, 1.0, 0.0, 0.0, 2.0])
out["rl.obs"], out["rl.actions"], out["rl.rewards"] = obs, actions, rewards
ret = discounted_returns(rewards, 0.9)
out["rl.returns"] = ret
with torch.no_grad():
    logits, _ = ac(obs)
    old_logp = torch.distributions.Categorical(logits=logits).log_prob(actions)
out["rl.old_logp"] = old_logp
opt = torch.optim.Adam(ac.parameters(), lr=3e-3)
losses, norms, ents = [], [], []
for step in range(3):
    opt.zero_grad()
    logits, values = ac(obs)
    dist = torch.distributions.Categorical(logits=logits)
    logp = dist.log_prob(actions)
    ent = dist.entropy().mean()
    adv = ret - values.detach()
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    ratio = torch.exp(logp - old_logp)
    pg = -torch.min(ratio * adv, ratio.clamp(0.9, 1.1) * adv).mean()
    loss = pg + 0.5 * F.smooth_l1_loss(values, ret) - 0.01 * ent
    loss.backward()
    if step == 0:
        save_grads("rl.grad0.", ac)
    norms.append(float(nn.utils.clip_grad_norm_(ac.parameters(), 0.5)))
    opt.step()
    losses.append(loss.item()); ents.append(ent.item())
out["rl.loss"], out["rl.norm"], out["rl.entropy"] = torch.tensor(losses), torch.tensor(norms), torch.tensor(ents)
save_state("rl.final.", ac)

# 6. Probes: what these programs' users vary next, each small ------------------------------------------------------------
torch.manual_seed(8)
# scatter_reduce with ties (messages after a ReLU are often 0): amax/amin/mean/prod, with and without self
src = torch.tensor([[0.0, 1.5], [0.0, -2.0], [3.0, 1.5], [0.0, 0.5], [2.0, -2.0], [0.5, 4.0]])
index = torch.tensor([[0, 0], [0, 2], [1, 0], [0, 2], [1, 2], [3, 3]])
base = torch.tensor([[0.0, 1.5], [3.0, 0.0], [-1.0, -2.0], [0.25, 5.0]])
out["probe.sr.src"], out["probe.sr.index"], out["probe.sr.base"] = src, index, base
w = torch.randn(4, 2)
out["probe.sr.w"] = w
for red in ("amax", "amin", "mean", "prod", "sum"):
    for inc in (True, False):
        s_ = src.clone().requires_grad_(True)
        b_ = base.clone().requires_grad_(True)
        r = b_.scatter_reduce(0, index, s_, reduce=red, include_self=inc)
        (r * w).sum().backward()
        key = "probe.sr.%s.%d." % (red, int(inc))
        out[key + "out"], out[key + "gsrc"], out[key + "gself"] = r.detach(), s_.grad, b_.grad

# sparse mixture-of-experts dispatch: nonzero(as_tuple=True) per expert, index_add_ of weighted outputs
torch.manual_seed(9)
moe2 = MoE()
save_state("probe.moe2.init.", moe2)
x = torch.randn(7, 6)
out["probe.moe2.x"] = x
probs = moe2.router(x).softmax(-1)
topv, topi = probs.topk(2, dim=-1)
topv = topv / topv.sum(-1, keepdim=True)
y = torch.zeros_like(x)
for e, ex in enumerate(moe2.experts):
    tok, slot = torch.where(topi == e)
    if tok.numel() == 0:
        continue
    y.index_add_(0, tok, ex(x[tok]) * topv[tok, slot].unsqueeze(-1))
y.pow(2).sum().backward()
out["probe.moe2.y"] = y.detach()
save_grads("probe.moe2.grad.", moe2)

# invalid-action masking: logits.masked_fill(~valid, -inf), Categorical log_prob / entropy and their gradients
logits = torch.randn(4, 5, requires_grad=True)
valid = torch.tensor([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
acts = torch.tensor([3, 2, 0, 4])
d = torch.distributions.Categorical(logits=logits.masked_fill(~valid, float("-inf")))
lp, ent = d.log_prob(acts), d.entropy()
(lp.sum() + 0.3 * ent.sum()).backward()
out["probe.mask.logits"], out["probe.mask.valid"], out["probe.mask.acts"] = logits.detach(), valid, acts
out["probe.mask.logp"], out["probe.mask.entropy"], out["probe.mask.grad"] = lp.detach(), ent.detach(), logits.grad

# per-pixel cross entropy with weights, ignore_index and label smoothing together, and its gradient
logits = torch.randn(2, 4, 3, 5, requires_grad=True)
tgt = torch.randint(0, 4, (2, 3, 5))
tgt[0, 0, :3] = -1
tgt[1, 2, 4] = -1
cw = torch.tensor([1.0, 0.5, 2.0, 0.25])
l = F.cross_entropy(logits, tgt, weight=cw, ignore_index=-1, label_smoothing=0.2)
l.backward()
out["probe.ce.logits"], out["probe.ce.tgt"], out["probe.ce.cw"] = logits.detach(), tgt, cw
out["probe.ce.loss"], out["probe.ce.grad"] = l.detach(), logits.grad

# resizing: odd sizes with a scale factor (the factor, not the size ratio, maps coordinates), align_corners, nearest
img = torch.randn(1, 2, 5, 7, requires_grad=True)
out["probe.up.img"] = img.detach()
gw = {}
for name, kw in {"bl_half": dict(scale_factor=0.5, mode="bilinear", align_corners=False),
                 "bl_17": dict(scale_factor=1.7, mode="bilinear", align_corners=False),
                 "bl_ac": dict(scale_factor=2, mode="bilinear", align_corners=True),
                 "nn_17": dict(scale_factor=1.7, mode="nearest"),
                 "bl_size": dict(size=(4, 9), mode="bilinear", align_corners=False),
                 "bc_15": dict(scale_factor=1.5, mode="bicubic", align_corners=False)}.items():
    img.grad = None
    r = F.interpolate(img, **kw)
    wr = torch.randn(r.shape)
    (r * wr).sum().backward()
    out["probe.up.%s.out" % name], out["probe.up.%s.w" % name], out["probe.up.%s.grad" % name] = r.detach(), wr, img.grad.clone()

# ConvTranspose2d(stride 2, kernel 3, padding 1, output_padding 1) doubling a U-Net level exactly, and max pooling ties
torch.manual_seed(10)
ct = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)
save_state("probe.ct.init.", ct)
z = torch.randn(1, 3, 3, 4, requires_grad=True)
r = ct(z)
r.pow(2).sum().backward()
out["probe.ct.in"], out["probe.ct.out"], out["probe.ct.gin"] = z.detach(), r.detach(), z.grad
save_grads("probe.ct.grad.", ct)
a = torch.relu(torch.tensor([[[[-1.0, 0.0, 2.0, 2.0], [0.0, -3.0, 1.0, 2.0], [-1.0, -2.0, 5.0, 5.0], [-4.0, -2.0, 5.0, 5.0]]]]))
a.requires_grad_(True)
r = F.max_pool2d(a, 2)
r.sum().backward()
out["probe.pool.in"], out["probe.pool.out"], out["probe.pool.grad"] = a.detach(), r.detach(), a.grad

# schedulers past their end: CosineAnnealingLR beyond T_max (chainable form), LinearLR, LambdaLR with one lambda per group
p1, p2 = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1))
o = torch.optim.SGD([p1], lr=0.1)
sch = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=3, eta_min=0.01)
lrs = []
for _ in range(9):
    lrs.append(o.param_groups[0]["lr"]); o.step(); sch.step()
out["probe.sched.cosine"] = torch.tensor(lrs)
o = torch.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.5}], lr=0.1)
sch = torch.optim.lr_scheduler.LambdaLR(o, [lambda s: 0.5 ** s, lambda s: 1.0 / (s + 1)])
lrs = []
for _ in range(4):
    lrs.append(sch.get_last_lr()); o.step(); sch.step()
out["probe.sched.lambdas"] = torch.tensor(lrs)

# clip_grad_norm_ with the inf norm and clip_grad_value_
q1, q2 = nn.Parameter(torch.zeros(3)), nn.Parameter(torch.zeros(2, 2))
q1.grad, q2.grad = torch.tensor([0.5, -3.0, 1.0]), torch.tensor([[2.0, -0.5], [0.1, 4.0]])
out["probe.clip.inf_norm"] = nn.utils.clip_grad_norm_([q1, q2], 1.5, norm_type=float("inf"))
out["probe.clip.g1"], out["probe.clip.g2"] = q1.grad.clone(), q2.grad.clone()

# cumprod's gradient through zeros (a noise schedule whose alpha reaches 0)
c = torch.tensor([0.9, 0.0, 0.5, 0.0, 0.7], requires_grad=True)
cp = torch.cumprod(c, 0)
(cp * torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
out["probe.cumprod.grad"] = c.grad

# variance of float32 data far from zero (a feature of mean 1000 and deviation 0.01, standardized before a network)
torch.manual_seed(11)
far = (1000 + 0.01 * torch.randn(4, 36)).float()
out["probe.far.x"] = far
out["probe.far.var"], out["probe.far.std"] = far.var(dim=1), far.std(dim=1, unbiased=False)
out["probe.far.var_mean"] = torch.stack(torch.var_mean(far, dim=1))

# SegNet's pooling indices carried to the decoder, and a distillation term with F.kl_div (zeros in the target)
torch.manual_seed(12)
a = torch.randn(1, 2, 4, 6, requires_grad=True)
pooled, idx = F.max_pool2d(a, 2, return_indices=True)
up = F.max_unpool2d(pooled * 2, idx, 2)
up.pow(2).sum().backward()
out["probe.segnet.in"], out["probe.segnet.idx"], out["probe.segnet.up"], out["probe.segnet.grad"] = a.detach(), idx, up.detach(), a.grad
student = torch.randn(3, 5, requires_grad=True)
teacher = torch.tensor([[0.5, 0.5, 0.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]])
kd = F.kl_div(F.log_softmax(student / 2.0, -1), teacher, reduction="batchmean") * 4.0
kd.backward()
out["probe.kd.student"], out["probe.kd.teacher"], out["probe.kd.loss"], out["probe.kd.grad"] = student.detach(), teacher, kd.detach(), student.grad

# 7. The same programs in float32, as most users run them: from the same initial weights (rounded to float32), one
# forward and backward each: outputs, loss and every parameter's gradient
def f32(prefix, model, run):
    model.load_state_dict({k[len(prefix + "init."):]: v for k, v in out.items() if k.startswith(prefix + "init.")})
    model.float()
    for k, v in run(model).items():
        out[prefix + "f32." + k] = v.detach().clone()
    save_grads(prefix + "f32.grad.", model)


def run_vit(m):
    logits = m(out["vit.x"].float())
    loss = F.cross_entropy(logits, out["vit.y"], label_smoothing=0.1)
    loss.backward()
    return {"out": logits, "loss": loss}


def run_unet(m):
    logits = m(out["unet.x"].float())
    loss = F.cross_entropy(logits, out["unet.target"], weight=out["unet.cw"].float(), ignore_index=255) \
        + dice_loss(logits, out["unet.target"], 255, 3)
    loss.backward()
    return {"out": logits, "loss": loss}


def run_gnn(m):
    logits = m(out["gnn.x"].float(), out["gnn.src"], out["gnn.dst"], out["gnn.batch"], 2)
    loss = F.cross_entropy(logits, out["gnn.y"])
    loss.backward()
    return {"out": logits, "loss": loss}


def run_moe(m):
    y, gates, aux = m(out["moe.x"].float())
    loss = F.mse_loss(y, out["moe.tgt"].float()) + 0.01 * aux
    loss.backward()
    return {"out": y, "loss": loss}


def run_vae(m):
    x = out["vae.x"].float()
    logits, mu, logvar = m(x, out["vae.eps"][0].float())
    loss = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0] \
        - 0.25 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
    loss.backward()
    return {"out": logits, "loss": loss}


f32("vit.", ViT(), run_vit)
f32("unet.", UNet(), run_unet)
f32("gnn.", GNN(), run_gnn)
f32("moe.", MoE(), run_moe)
f32("vae.", VAE(), run_vae)

torch.save(out, "programs3.pt")
print(len(out), "tensors;", {k: round(v[-1].item(), 6) for k, v in out.items() if k.endswith(".loss") and v.dim() == 1})
