"""Expected values for OutsiderFamiliesTest (session 23's second outsider pass): four small model families trained for
a few steps by PyTorch, their initial weights and inputs saved beside the losses so that Ember runs the same steps.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_families.py  ->  families.pt (a dict of tensors, read by
TorchSerialization.load). Nothing here differs between 1.13 and 2.x (Adam/AdamW defaults, GELU exact, the encoder
layer's norm_first path in training mode, outside the inference fast path). Random draws (the VAE's eps, the GAN's
noise) are drawn here and saved, since Ember's generator does not reproduce PyTorch's numbers.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence, pad_packed_sequence

out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


# 1. VAE: MLP encoder to (mu, logvar), z = mu + std * eps (rsample's reparameterization, eps saved), BCE-with-logits
# reconstruction summed per sample, KL(q || N(0, 1)) by kl_divergence and by the closed form; Adam, four steps
torch.manual_seed(3)
class VAE(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
        s.mu = nn.Linear(8, 2)
        s.logvar = nn.Linear(8, 2)
        s.dec = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 6))
vae = VAE()
x = (torch.rand(10, 6) > 0.5).float()
eps = torch.randn(4, 10, 2)
save_state("vae.", vae)
out["vae_x"], out["vae_eps"] = x, eps
opt = torch.optim.Adam(vae.parameters(), lr=0.01)
rec_l, kl_l, klc_l = [], [], []
for step in range(4):
    h = vae.enc(x)
    mu, lv = vae.mu(h), vae.logvar(h)
    std = torch.exp(0.5 * lv)
    q, p = Normal(mu, std), Normal(torch.zeros_like(mu), torch.ones_like(std))
    z = mu + std * eps[step]
    rec = F.binary_cross_entropy_with_logits(vae.dec(z), x, reduction="sum") / x.shape[0]
    kl = kl_divergence(q, p).sum(1).mean()
    klc = (-0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(1)).mean()
    opt.zero_grad()
    (rec + kl).backward()
    opt.step()
    rec_l.append(rec.item()); kl_l.append(kl.item()); klc_l.append(klc.item())
out["vae_rec"], out["vae_kl"], out["vae_klc"] = torch.tensor(rec_l), torch.tensor(kl_l), torch.tensor(klc_l)
out["vae_mu_weight"] = vae.mu.weight.detach().clone()

# 2. DCGAN at toy size: ConvTranspose2d + BatchNorm2d + ReLU/Tanh generator, Conv2d + LeakyReLU discriminator,
# BCEWithLogits, two Adams (betas 0.5, 0.999), fake.detach() for the D step, D frozen by requires_grad_(False) for the
# G step (so D's gradients stay those of its own step); three alternating steps
torch.manual_seed(5)
G = nn.Sequential(nn.ConvTranspose2d(4, 8, 4, 1, 0, bias=False), nn.BatchNorm2d(8), nn.ReLU(True),
                  nn.ConvTranspose2d(8, 1, 4, 2, 1, bias=False), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                  nn.Conv2d(8, 1, 4, 1, 0, bias=False), nn.Flatten())
real = torch.rand(6, 1, 8, 8) * 2 - 1
noise = torch.randn(3, 6, 4, 1, 1)
save_state("gan_G.", G)
save_state("gan_D.", D)
out["gan_real"], out["gan_noise"] = real, noise
oG = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
oD = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
crit = nn.BCEWithLogitsLoss()
ones, zeros = torch.ones(6, 1), torch.zeros(6, 1)
# the test compares the layers' printouts with these (strings, not saved)
print(G[0])  # ConvTranspose2d(4, 8, kernel_size=(4, 4), stride=(1, 1), bias=False)
print(nn.ConvTranspose2d(8, 3, 4, 2, 1))  # ConvTranspose2d(8, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1))
ld, lg, dg = [], [], []
for step in range(3):
    fake = G(noise[step])
    D.zero_grad()
    lossD = crit(D(real), ones) + crit(D(fake.detach()), zeros)
    lossD.backward()
    oD.step()
    for p_ in D.parameters():
        p_.requires_grad_(False)
    G.zero_grad()
    lossG = crit(D(fake), ones)
    lossG.backward()
    oG.step()
    for p_ in D.parameters():
        p_.requires_grad_(True)
    ld.append(lossD.item()); lg.append(lossG.item()); dg.append(D[0].weight.grad.abs().sum().item())
out["gan_lossD"], out["gan_lossG"], out["gan_D0_grad_abs_sum"] = torch.tensor(ld), torch.tensor(lg), torch.tensor(dg)
out["gan_running_mean"], out["gan_running_var"] = G[1].running_mean.clone(), G[1].running_var.clone()
out["gan_D0_weight"] = D[0].weight.detach().clone()

# 3. A ViT block: Conv2d patch embedding (stride = kernel; unfold gives the same patches), class token and position
# embedding as Parameters, TransformerEncoderLayer(norm_first, gelu, batch_first), CLS pooling; one AdamW step
torch.manual_seed(7)
class ViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.patch = nn.Conv2d(3, 16, 4, 4)
        s.cls = nn.Parameter(torch.randn(1, 1, 16) * 0.02)
        s.pos = nn.Parameter(torch.randn(1, 5, 16) * 0.02)
        s.block = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True,
                                             norm_first=True)
        s.norm = nn.LayerNorm(16)
        s.head = nn.Linear(16, 3)
    def forward(s, x):
        t = s.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([s.cls.expand(x.shape[0], -1, -1), t], 1) + s.pos
        return s.head(s.norm(s.block(t)[:, 0]))
vit = ViT()
x = torch.randn(4, 3, 8, 8)
y = torch.tensor([0, 2, 1, 2])
save_state("vit.", vit)
out["vit_x"], out["vit_y"] = x, y
out["vit_unfold_patches"] = (F.unfold(x, 4, stride=4).transpose(1, 2) @ vit.patch.weight.flatten(1).t()
                             + vit.patch.bias).detach()
opt = torch.optim.AdamW(vit.parameters(), lr=1e-3)
loss = F.cross_entropy(vit(x), y)
loss.backward()
out["vit_loss"] = loss.detach()
out["vit_cls_grad"], out["vit_pos_grad"] = vit.cls.grad.clone(), vit.pos.grad.clone()
opt.step()
out["vit_loss2"] = F.cross_entropy(vit(x), y).detach()

# 4. seq2seq: GRU encoder over a packed padded batch (enforce_sorted=False), GRU decoder with teacher forcing from the
# encoder's last state, dot-product attention by hand (bmm, masked_fill of padding with -inf, softmax), cross entropy
# ignoring padding; three Adam steps, then four greedy argmax steps under no_grad
torch.manual_seed(11)
V, E, H = 7, 5, 6
class S2S(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Embedding(V, E, padding_idx=0)
        s.enc = nn.GRU(E, H, batch_first=True)
        s.dec = nn.GRU(E, H, batch_first=True)
        s.out = nn.Linear(2 * H, V)
s2s = S2S()
save_state("s2s.", s2s)
srcs = [torch.tensor([3, 4, 5, 6]), torch.tensor([2, 3]), torch.tensor([6, 5, 4])]
tgts = [torch.tensor([1, 3, 4, 2]), torch.tensor([1, 5, 2]), torch.tensor([1, 6, 6, 2])]
lens = torch.tensor([len(s) for s in srcs])
src, tgt = pad_sequence(srcs, batch_first=True), pad_sequence(tgts, batch_first=True)
out["s2s_src"], out["s2s_tgt"] = src, tgt
mask = torch.arange(src.shape[1])[None, :] >= lens[:, None]
def encode():
    packed = pack_padded_sequence(s2s.emb(src), lens, batch_first=True, enforce_sorted=False)
    eo, h = s2s.enc(packed)
    return pad_packed_sequence(eo, batch_first=True)[0], h
def attend(do, eo):
    a = F.softmax(torch.bmm(do, eo.transpose(1, 2)).masked_fill(mask[:, None, :], float("-inf")), -1)
    return torch.cat([do, torch.bmm(a, eo)], -1), a
opt = torch.optim.Adam(s2s.parameters(), lr=0.01)
losses = []
for step in range(3):
    eo, h = encode()
    do, _ = s2s.dec(s2s.emb(tgt[:, :-1]), h)
    logits = s2s.out(attend(do, eo)[0])
    loss = F.cross_entropy(logits.reshape(-1, V), tgt[:, 1:].reshape(-1), ignore_index=0)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["s2s_loss"] = torch.tensor(losses)
with torch.no_grad():
    eo, h = encode()
    tok, toks, atts = torch.ones(3, 1, dtype=torch.long), [], []
    for t in range(4):
        do, h = s2s.dec(s2s.emb(tok), h)
        feat, a = attend(do, eo)
        tok = s2s.out(feat).argmax(-1)
        toks.append(tok); atts.append(a)
    out["s2s_greedy"] = torch.cat(toks, 1)
    out["s2s_attn"] = torch.cat(atts, 1)

# BatchNorm2d's full constructor (as BatchNorm1d/3d): momentum=None (a cumulative average), and affine=False with
# track_running_stats=False (no parameters or buffers; batch statistics in eval mode too)
torch.manual_seed(13)
xb = torch.randn(3, 4, 3, 2, 2)
out["bn_x"] = xb
bn = nn.BatchNorm2d(3, momentum=None)
for i in range(3):
    bn(xb[i])
out["bn_cum_mean"], out["bn_cum_var"] = bn.running_mean.clone(), bn.running_var.clone()
bn.eval()
out["bn_cum_eval"] = bn(xb[0]).detach()
bare = nn.BatchNorm2d(3, eps=1e-3, affine=False, track_running_stats=False).eval()
assert len(bare.state_dict()) == 0
out["bn_bare_eval"] = bare(xb[1])

torch.save(out, "families.pt")
