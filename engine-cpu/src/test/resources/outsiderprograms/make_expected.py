"""Expected values for OutsiderProgramsTest (session 24's third outsider pass): five programs a PyTorch user writes,
run here with PyTorch's initial weights and data saved beside their losses, outputs and gradients, so that Ember runs
the same steps from the same numbers.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs.pt (a dict of tensors) and
lstm_ckpt.pt and gpt_ckpt.pt (PyTorch checkpoints of the LSTM and nanoGPT-style programs after 3 of their 6 steps:
model, optimizer and scheduler state dicts, as torch.save writes them). Random draws (the VAE's eps, the GAN's noise) are drawn here and saved, since Ember's
generator does not reproduce PyTorch's numbers. Where 2.x differs from 1.13: the transformer's inference fast path
(see program 5); the expected values use the path that 1.13 and 2.x share.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal, Independent, kl_divergence
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


# 1. A small ResNet in float64: BasicBlocks (conv-bn-relu-conv-bn + identity or a 1x1 conv + bn downsample), adaptive
# average pooling, flatten, linear; SGD with nesterov momentum and weight decay, MultiStepLR; 5 steps, then eval()
torch.manual_seed(1)
class BasicBlock(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        s.bn1 = nn.BatchNorm2d(cout)
        s.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        s.bn2 = nn.BatchNorm2d(cout)
        s.downsample = None
        if stride != 1 or cin != cout:
            s.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
    def forward(s, x):
        identity = x if s.downsample is None else s.downsample(x)
        out = F.relu(s.bn1(s.conv1(x)))
        out = s.bn2(s.conv2(out))
        return F.relu(out + identity)
class ResNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        s.bn1 = nn.BatchNorm2d(8)
        s.layer1 = BasicBlock(8, 8, 1)
        s.layer2 = BasicBlock(8, 16, 2)
        s.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        s.fc = nn.Linear(16, 5)
    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        x = s.layer2(s.layer1(x))
        return s.fc(torch.flatten(s.avgpool(x), 1))
net = ResNet().double()
for m in net.modules():  # random affine parameters, so that their gradients matter
    if isinstance(m, nn.BatchNorm2d):
        nn.init.uniform_(m.weight, 0.5, 1.5); nn.init.uniform_(m.bias, -0.2, 0.2)
save_state("resnet.", net)
x = torch.randn(6, 3, 8, 8, dtype=torch.float64)
y = torch.tensor([0, 1, 2, 3, 4, 1])
out["resnet_x"], out["resnet_y"] = x, y
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
losses, lrs = [], []
for step in range(5):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    sched.step()
    losses.append(loss.item()); lrs.append(sched.get_last_lr()[0])
out["resnet_loss"], out["resnet_lr"] = torch.tensor(losses, dtype=torch.float64), torch.tensor(lrs, dtype=torch.float64)
out["resnet_fc_grad"] = net.fc.weight.grad.clone()
out["resnet_conv1_grad"] = net.layer2.downsample[0].weight.grad.clone()
out["resnet_bn_mean"] = net.layer2.downsample[1].running_mean.clone()
out["resnet_bn_var"] = net.layer2.bn2.running_var.clone()
net.eval()
with torch.no_grad():
    out["resnet_eval"] = net(x)

# 2. A character LSTM language model in float64: Embedding with padding_idx 0, a batch-first LSTM over packed sequences
# of different lengths (not sorted), cross entropy ignoring the padding, clip_grad_norm_, Adam and StepLR; 6 steps,
# a checkpoint of model, optimizer and scheduler after the third
torch.manual_seed(2)
class CharLM(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Embedding(10, 6, padding_idx=0)
        s.lstm = nn.LSTM(6, 12, num_layers=2, batch_first=True)
        s.head = nn.Linear(12, 10)
    def forward(s, tokens, lengths):
        packed = pack_padded_sequence(s.emb(tokens), lengths, batch_first=True, enforce_sorted=False)
        h, _ = s.lstm(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=tokens.shape[1])
        return s.head(h)
lm = CharLM().double()
save_state("lm.", lm)
lengths = torch.tensor([6, 8, 3, 5])
tokens = torch.zeros(4, 9, dtype=torch.long)
for i, n in enumerate(lengths.tolist()):
    tokens[i, :n + 1] = torch.randint(1, 10, (n + 1,))
out["lm_tokens"], out["lm_lengths"] = tokens, lengths
inp, tgt = tokens[:, :-1], tokens[:, 1:]
opt = torch.optim.Adam(lm.parameters(), lr=0.02)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
losses, norms = [], []
for step in range(6):
    if step == 3:
        torch.save({"model": lm.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
                   "lstm_ckpt.pt")
    opt.zero_grad()
    logits = lm(inp, lengths)
    loss = F.cross_entropy(logits.reshape(-1, 10), tgt.reshape(-1), ignore_index=0)
    loss.backward()
    norms.append(nn.utils.clip_grad_norm_(lm.parameters(), 0.5).item())
    opt.step()
    sched.step()
    losses.append(loss.item())
out["lm_loss"], out["lm_norm"] = torch.tensor(losses, dtype=torch.float64), torch.tensor(norms, dtype=torch.float64)
out["lm_head_weight"] = lm.head.weight.detach().clone()
out["lm_emb_weight"] = lm.emb.weight.detach().clone()
out["lm_lstm_grad"] = lm.lstm.weight_hh_l1.grad.clone()

# 2c. Encoders over packed, unsorted sequences with initial states given (each permuted to the sorted order and back):
# a bidirectional 2-layer GRU and a bidirectional LSTM with proj_size, float64; outputs, final states and the
# gradients of the initial states
torch.manual_seed(14)
gru = nn.GRU(3, 5, num_layers=2, batch_first=True, bidirectional=True).double()
lstm2 = nn.LSTM(3, 6, batch_first=True, bidirectional=True, proj_size=2).double()
save_state("pk_gru.", gru); save_state("pk_lstm.", lstm2)
xs_ = torch.randn(4, 5, 3, dtype=torch.float64)
lens = torch.tensor([2, 5, 1, 4])
h0 = torch.randn(4, 4, 5, dtype=torch.float64, requires_grad=True)
hl0 = torch.randn(2, 4, 2, dtype=torch.float64, requires_grad=True)
cl0 = torch.randn(2, 4, 6, dtype=torch.float64, requires_grad=True)
out["pk_x"], out["pk_len"], out["pk_h0"], out["pk_hl0"], out["pk_cl0"] = xs_, lens, h0.detach(), hl0.detach(), cl0.detach()
packed = pack_padded_sequence(xs_, lens, batch_first=True, enforce_sorted=False)
og, hg = gru(packed, h0)
ol, (hl, cl) = lstm2(packed, (hl0, cl0))
og, _ = pad_packed_sequence(og, batch_first=True)
ol, _ = pad_packed_sequence(ol, batch_first=True)
(og.pow(2).sum() + hg.sum() + ol.pow(2).sum() + hl.sum() + cl.pow(2).sum()).backward()
out["pk_og"], out["pk_hg"], out["pk_ol"], out["pk_hl"], out["pk_cl"] = og.detach(), hg.detach(), ol.detach(), hl.detach(), cl.detach()
out["pk_h0_grad"], out["pk_hl0_grad"], out["pk_cl0_grad"] = h0.grad, hl0.grad, cl0.grad

# 3a. A VAE in float32: encoder to (mu, logvar), q = Independent(Normal(mu, std), 1), z = mu + std * eps (rsample's
# reparameterization, eps saved), BCEWithLogitsLoss(reduction="none") summed per sample, kl_divergence(q, p) against
# Independent(Normal(0, 1), 1), and a Monte Carlo KL from log_prob; Adam; 5 steps
torch.manual_seed(3)
class VAE(nn.Module):
    def __init__(s):
        super().__init__()
        s.enc = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 6))
        s.dec = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 12))
    def forward(s, x, eps):
        mu, logvar = s.enc(x).chunk(2, dim=1)
        std = torch.exp(0.5 * logvar)
        z = mu + std * eps
        return s.dec(z), mu, std, z
vae = VAE()
save_state("vae.", vae)
x = (torch.rand(8, 12) > 0.5).float()
eps = torch.randn(5, 8, 3)
out["vae_x"], out["vae_eps"] = x, eps
bce = nn.BCEWithLogitsLoss(reduction="none")
opt = torch.optim.Adam(vae.parameters(), lr=0.01)
rec_l, kl_l, mc_l = [], [], []
for step in range(5):
    logits, mu, std, z = vae(x, eps[step])
    q = Independent(Normal(mu, std), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(std)), 1)
    rec = bce(logits, x).sum(1).mean()
    kl = kl_divergence(q, p).mean()
    mc = (q.log_prob(z) - p.log_prob(z)).mean()
    opt.zero_grad()
    (rec + kl).backward()
    opt.step()
    rec_l.append(rec.item()); kl_l.append(kl.item()); mc_l.append(mc.item())
out["vae_rec"], out["vae_kl"], out["vae_mc"] = torch.tensor(rec_l), torch.tensor(kl_l), torch.tensor(mc_l)
out["vae_enc_grad"] = vae.enc[0].weight.grad.clone()
out["vae_dec_weight"] = vae.dec[2].weight.detach().clone()

# 3b. A tiny GAN in float64: MLP generator and discriminator, BCEWithLogits, two Adams (betas 0.5, 0.999), fake.detach()
# for D's step, zero_grad(set_to_none=True); 5 alternating steps
torch.manual_seed(4)
G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2)).double()
D = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1)).double()
save_state("gan_g.", G); save_state("gan_d.", D)
real = torch.randn(8, 2, dtype=torch.float64) * 0.5 + torch.tensor([2.0, -1.0], dtype=torch.float64)
noise = torch.randn(5, 8, 4, dtype=torch.float64)
out["gan_real"], out["gan_noise"] = real, noise
crit = nn.BCEWithLogitsLoss()
optG = torch.optim.Adam(G.parameters(), lr=0.005, betas=(0.5, 0.999))
optD = torch.optim.Adam(D.parameters(), lr=0.005, betas=(0.5, 0.999))
ones, zeros = torch.ones(8, 1, dtype=torch.float64), torch.zeros(8, 1, dtype=torch.float64)
dl, gl = [], []
for step in range(5):
    fake = G(noise[step])
    optD.zero_grad(set_to_none=True)
    lossD = crit(D(real), ones) + crit(D(fake.detach()), zeros)
    lossD.backward()
    optD.step()
    optG.zero_grad(set_to_none=True)
    lossG = crit(D(fake), ones)
    lossG.backward()
    optG.step()
    dl.append(lossD.item()); gl.append(lossG.item())
out["gan_d_loss"], out["gan_g_loss"] = torch.tensor(dl, dtype=torch.float64), torch.tensor(gl, dtype=torch.float64)
out["gan_d_grad"] = D[0].weight.grad.clone()  # D's grads after G's step: D's own step's plus G's backward through D
out["gan_g_weight"] = G[2].weight.detach().clone()

# 4. Fine-tuning in float64: a pretrained backbone (Linear, BatchNorm1d, ReLU, Linear, ReLU) whose first layer is
# frozen by requires_grad_(False) and whose BatchNorm stays in eval mode; AdamW with two param groups (the unfrozen
# backbone layer at lr 1e-3, the head at 1e-2), OneCycleLR (betas cycled), gradient accumulation over 2 micro-batches;
# evaluation under torch.no_grad
torch.manual_seed(5)
class Finetune(nn.Module):
    def __init__(s):
        super().__init__()
        s.backbone = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
        s.head = nn.Linear(16, 3)
    def forward(s, x):
        return s.head(s.backbone(x))
ft = Finetune().double()
with torch.no_grad():  # "pretrained" running statistics
    ft.backbone[1].running_mean.uniform_(-0.5, 0.5); ft.backbone[1].running_var.uniform_(0.5, 2.0)
save_state("ft.", ft)
ft.backbone[0].requires_grad_(False)
xs = torch.randn(4, 2, 5, 6, dtype=torch.float64)  # 4 steps of 2 micro-batches of 5
ys = torch.randint(0, 3, (4, 2, 5))
xv = torch.randn(7, 6, dtype=torch.float64)
out["ft_x"], out["ft_y"], out["ft_xv"] = xs, ys, xv
opt = torch.optim.AdamW([{"params": ft.backbone[3].parameters(), "lr": 1e-3},
                         {"params": ft.head.parameters()}], lr=1e-2, weight_decay=0.05)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.004, 0.04], total_steps=4)
losses, lr0, lr1, beta = [], [], [], []
for step in range(4):
    ft.train()
    ft.backbone[1].eval()
    total = 0.0
    for micro in range(2):
        loss = F.cross_entropy(ft(xs[step, micro]), ys[step, micro]) / 2
        loss.backward()
        total += loss.item()
    opt.step()
    sched.step()
    opt.zero_grad()
    losses.append(total)
    lr0.append(opt.param_groups[0]["lr"]); lr1.append(opt.param_groups[1]["lr"]); beta.append(opt.param_groups[1]["betas"][0])
    ft.eval()
    with torch.no_grad():
        out["ft_eval%d" % step] = ft(xv)
out["ft_loss"] = torch.tensor(losses, dtype=torch.float64)
out["ft_lr0"], out["ft_lr1"] = torch.tensor(lr0, dtype=torch.float64), torch.tensor(lr1, dtype=torch.float64)
out["ft_beta1"] = torch.tensor(beta, dtype=torch.float64)
out["ft_backbone3_weight"] = ft.backbone[3].weight.detach().clone()
out["ft_head_weight"] = ft.head.weight.detach().clone()


# 2b. Truncated backpropagation through time in float64: a batch-first 2-layer LSTM with proj_size, its final state
# detached and carried into the next chunk (the language-model idiom `hidden = tuple(h.detach() for h in hidden)`),
# clip_grad_value_, SGD with momentum and dampening, LambdaLR; 4 chunks
torch.manual_seed(7)
class Tbptt(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Embedding(10, 5)
        s.lstm = nn.LSTM(5, 8, num_layers=2, batch_first=True, proj_size=4)
        s.head = nn.Linear(4, 10)
    def forward(s, tokens, h, c):
        out, (h, c) = s.lstm(s.emb(tokens), (h, c))
        return s.head(out), h, c
tb = Tbptt().double()
save_state("tb.", tb)
stream = torch.randint(0, 10, (3, 4 * 5 + 1))
out["tb_stream"] = stream
opt = torch.optim.SGD(tb.parameters(), lr=0.5, momentum=0.8, dampening=0.3)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (1 + k))
h = torch.zeros(2, 3, 4, dtype=torch.float64)
c = torch.zeros(2, 3, 8, dtype=torch.float64)
losses = []
for k in range(4):
    x, y = stream[:, 5 * k:5 * k + 5], stream[:, 5 * k + 1:5 * k + 6]
    h, c = h.detach(), c.detach()
    opt.zero_grad()
    logits, h, c = tb(x, h, c)
    loss = F.cross_entropy(logits.transpose(1, 2), y)
    loss.backward()
    nn.utils.clip_grad_value_(tb.parameters(), 0.05)
    opt.step()
    sched.step()
    losses.append(loss.item())
out["tb_loss"] = torch.tensor(losses, dtype=torch.float64)
out["tb_h"], out["tb_c"] = h.detach().clone(), c.detach().clone()
out["tb_proj_weight"] = tb.lstm.weight_hr_l1.detach().clone()

# 3c. A GAN whose discriminator's layers are spectrally normalized (torch.nn.utils.parametrizations.spectral_norm; its
# power-iteration vectors u, v are buffers in the state dict, so Ember starts from PyTorch's), and whose generator has
# a BatchNorm1d; float64, 3 steps
torch.manual_seed(8)
from torch.nn.utils.parametrizations import spectral_norm
G2 = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2)).double()
D2 = nn.Sequential(spectral_norm(nn.Linear(2, 16)), nn.LeakyReLU(0.2), spectral_norm(nn.Linear(16, 1))).double()
save_state("sn_g.", G2); save_state("sn_d.", D2)
noise2 = torch.randn(3, 8, 4, dtype=torch.float64)
out["sn_noise"] = noise2
optG = torch.optim.Adam(G2.parameters(), lr=0.005, betas=(0.5, 0.999))
optD = torch.optim.Adam(D2.parameters(), lr=0.005, betas=(0.5, 0.999))
dl, gl = [], []
for step in range(3):
    fake = G2(noise2[step])
    optD.zero_grad()
    lossD = F.softplus(-D2(real)).mean() + F.softplus(D2(fake.detach())).mean()
    lossD.backward()
    optD.step()
    optG.zero_grad()
    lossG = F.softplus(-D2(fake)).mean()
    lossG.backward()
    optG.step()
    dl.append(lossD.item()); gl.append(lossG.item())
out["sn_d_loss"], out["sn_g_loss"] = torch.tensor(dl, dtype=torch.float64), torch.tensor(gl, dtype=torch.float64)
D2.eval()
with torch.no_grad():
    out["sn_d_eval"] = D2(real)
out["sn_d_weight"] = D2[0].weight.detach().clone()  # the normalized weight

# 4b. Fine-tuning with every parameter given to the optimizer (the frozen ones included, as many scripts do): AdamW
# skips parameters without a gradient, weight decay included; LambdaLR with one lambda per group; float64, 3 steps
torch.manual_seed(9)
ft2 = Finetune().double()
save_state("ft2.", ft2)
ft2.backbone.requires_grad_(False)
ft2.backbone[3].requires_grad_(True)
opt = torch.optim.AdamW([{"params": ft2.backbone.parameters(), "lr": 1e-3}, {"params": ft2.head.parameters()}],
                        lr=1e-2, weight_decay=0.1)
sched = torch.optim.lr_scheduler.LambdaLR(opt, [lambda k: 0.5 ** k, lambda k: 1.0 / (1 + k)])
losses = []
for step in range(3):
    ft2.train()
    opt.zero_grad()
    loss = F.cross_entropy(ft2(xs[step, 0]), ys[step, 0])
    loss.backward()
    opt.step()
    sched.step()
    losses.append(loss.item())
out["ft2_loss"] = torch.tensor(losses, dtype=torch.float64)
out["ft2_bn_mean"] = ft2.backbone[1].running_mean.clone()
out["ft2_w0"] = ft2.backbone[0].weight.detach().clone()
out["ft2_w3"] = ft2.backbone[3].weight.detach().clone()
out["ft2_head"] = ft2.head.weight.detach().clone()

# 5. A TransformerEncoder classifier: Embedding (padding_idx 0), a learned position Parameter, 2 batch-first post-norm
# layers (dropout 0), src_key_padding_mask, mean pooling over the real tokens, linear head; Adam, 3 steps in float64 and
# in float32; then eval() outputs with the mask. PyTorch's inference fast path (eval, no grad, batch-first, and in 2.x a
# nested tensor when a padding mask is given) returns zeros at padded positions; the general path (also taken in eval
# when grad is enabled) computes them like the other positions. Ember has one path; its values are the general path's.
for name, dtype in (("tf64", torch.float64), ("tf32", torch.float32)):
    torch.manual_seed(6)
    class Classifier(nn.Module):
        def __init__(s):
            super().__init__()
            s.emb = nn.Embedding(12, 16, padding_idx=0)
            s.pos = nn.Parameter(torch.empty(1, 7, 16))
            nn.init.trunc_normal_(s.pos, std=0.02)
            layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True)
            s.encoder = nn.TransformerEncoder(layer, 2)
            s.head = nn.Linear(16, 3)
        def features(s, tokens, pad):
            return s.encoder(s.emb(tokens) + s.pos[:, :tokens.shape[1]], src_key_padding_mask=pad)
        def forward(s, tokens):
            pad = tokens == 0
            h = s.features(tokens, pad)
            keep = (~pad).unsqueeze(-1).to(h.dtype)
            return s.head((h * keep).sum(1) / keep.sum(1))
    clf = Classifier().to(dtype)
    save_state(name + ".", clf)
    tokens = torch.tensor([[3, 5, 7, 2, 9, 0, 0], [4, 4, 1, 0, 0, 0, 0], [11, 2, 3, 5, 8, 6, 1], [7, 0, 0, 0, 0, 0, 0]])
    labels = torch.tensor([0, 2, 1, 2])
    out[name + "_tokens"], out[name + "_labels"] = tokens, labels
    opt = torch.optim.Adam(clf.parameters(), lr=0.01)
    losses = []
    for step in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(clf(tokens), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out[name + "_loss"] = torch.tensor(losses, dtype=torch.float64)
    out[name + "_pos_grad"] = clf.pos.grad.clone()
    clf.eval()
    out[name + "_eval_logits"] = clf(tokens).detach()           # grad enabled: the general path in 1.13 and 2.x
    out[name + "_eval_features"] = clf.features(tokens, tokens == 0).detach()
    with torch.no_grad():
        out[name + "_eval_logits_nograd"] = clf(tokens)          # the fast path: the same logits (padding pooled out)


# 5b. A pre-norm GELU encoder (norm_first=True, a final LayerNorm, enable_nested_tensor=False) with a causal float mask
# and a key padding mask together, float64, 2 steps of Adam; then eval outputs with grad enabled (the general path)
torch.manual_seed(10)
layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True,
                                   norm_first=True)
enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False).double()
save_state("pre.", enc)
src = torch.randn(3, 5, 8, dtype=torch.float64)
pad = torch.tensor([[False, False, False, True, True], [False] * 5, [False, False, True, True, True]])
causal = nn.Transformer.generate_square_subsequent_mask(5).double()
out["pre_src"], out["pre_pad"] = src, pad
opt = torch.optim.Adam(enc.parameters(), lr=0.01)
losses = []
for step in range(2):
    opt.zero_grad()
    y = enc(src, mask=causal, src_key_padding_mask=pad)
    loss = (y * (~pad).unsqueeze(-1)).pow(2).sum()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["pre_loss"] = torch.tensor(losses, dtype=torch.float64)
out["pre_grad"] = enc.layers[0].self_attn.in_proj_weight.grad.clone()
enc.eval()
out["pre_eval"] = enc(src, mask=causal, src_key_padding_mask=pad).detach()


# 5c. A batch holding a sequence whose every position is padded, through an encoder layer (general path, float64). PyTorch
# 2.5+ computes the attention through scaled_dot_product_attention with _safe_softmax, which gives 0 for a row whose
# every key is masked, where 1.13's softmax gives NaN: the expected row is computed here as 2.5+ does, the attention
# output being 0 (so the block adds out_proj's bias); the other row is the layer's own output.
torch.manual_seed(13)
layer = nn.TransformerEncoderLayer(4, 2, 8, 0.0, batch_first=True).double()
save_state("fullpad.", layer)
x = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(2, 3, 4) * torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
pad = torch.tensor([[False, False, True], [True, True, True]])
out["fullpad_x"], out["fullpad_pad"] = x, pad
y = layer(x, src_key_padding_mask=pad).detach()
h = layer.norm1(x[1] + layer.self_attn.out_proj.bias)
y[1] = layer.norm2(h + layer.linear2(F.relu(layer.linear1(h)))).detach()
out["fullpad_y"] = y

# 6. A nanoGPT-style recipe in float64: weight decay only on parameters of 2+ dimensions (chosen by named_parameters),
# AdamW betas (0.9, 0.95), SequentialLR of a LinearLR warmup and CosineAnnealingLR, an exponential moving average of
# the weights updated under no_grad with in-place ops, an Embedding with max_norm, MultiheadAttention weights with a key
# padding mask, ReduceLROnPlateau on a second optimizer; 6 steps
torch.manual_seed(12)
class Tiny(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb = nn.Embedding(11, 8, max_norm=1.0)
        s.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        s.ln = nn.LayerNorm(8)
        s.head = nn.Linear(8, 11)
    def forward(s, tokens, pad):
        x = s.emb(tokens)
        a, w = s.attn(x, x, x, key_padding_mask=pad)
        return s.head(s.ln(x + a)), w
tiny = Tiny().double()
save_state("gpt.", tiny)
ema = Tiny().double()
ema.load_state_dict(tiny.state_dict())
toks = torch.randint(1, 11, (3, 6))
toks[0, 4:] = 0
toks[2, 2:] = 0
gpad = toks == 0
out["gpt_tokens"] = toks
decay = [p for n, p in tiny.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in tiny.named_parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=0.01, betas=(0.9, 0.95))
warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=2)
cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=1e-4)
sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[2])
plateau_opt = torch.optim.SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=1.0)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(plateau_opt, factor=0.5, patience=1)
losses, lrs, plr = [], [], []
for step in range(6):
    if step == 3:  # PyTorch's checkpoint of the whole run: Ember resumes from it
        torch.save({"model": tiny.state_dict(), "ema": ema.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "plateau": plateau.state_dict(),
                    "plateau_optimizer": plateau_opt.state_dict(), "step": step}, "gpt_ckpt.pt")
    opt.zero_grad()
    logits, w = tiny(toks[:, :-1], gpad[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, 11), toks[:, 1:].reshape(-1), ignore_index=0)
    loss.backward()
    opt.step()
    sched.step()
    plateau.step([3.0, 2.5, 2.6, 2.7, 2.4, 2.5][step])
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), tiny.parameters()):
            pe.mul_(0.9).add_(p, alpha=0.1)
    losses.append(loss.item()); lrs.append(opt.param_groups[0]["lr"]); plr.append(plateau_opt.param_groups[0]["lr"])
out["gpt_loss"] = torch.tensor(losses, dtype=torch.float64)
out["gpt_lr"], out["gpt_plateau_lr"] = torch.tensor(lrs, dtype=torch.float64), torch.tensor(plr, dtype=torch.float64)
out["gpt_attn_weights"] = w.detach().clone()
out["gpt_emb"] = tiny.emb.weight.detach().clone()
out["gpt_ema_head"] = ema.head.weight.detach().clone()
out["gpt_ema_emb"] = ema.emb.weight.detach().clone()

# the short forms' printouts, which the test compares with these (strings, not saved)
print(nn.LSTM(6, 12, batch_first=True))  # LSTM(6, 12, batch_first=True)
print(nn.GRU(6, 12, batch_first=True, bidirectional=True))  # GRU(6, 12, batch_first=True, bidirectional=True)
print(nn.RNN(6, 12, batch_first=True))  # RNN(6, 12, batch_first=True)
l = nn.TransformerEncoderLayer(16, 4, batch_first=True)
print(l.linear1, l.dropout, l.self_attn.batch_first)  # Linear(in_features=16, out_features=2048, bias=True) Dropout(p=0.1, inplace=False) True
l = nn.TransformerDecoderLayer(16, 4, 32, 0.0, batch_first=True)
print(l.linear1, l.dropout, l.multihead_attn.batch_first)  # Linear(in_features=16, out_features=32, bias=True) Dropout(p=0.0, inplace=False) True

torch.save(out, "programs.pt")
print("wrote", len(out), "tensors")
