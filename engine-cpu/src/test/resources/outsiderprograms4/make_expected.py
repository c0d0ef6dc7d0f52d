"""Expected values for OutsiderPrograms4Test (session 27's sixth outsider pass): five kinds of programs the earlier passes
did not cover, run here in float64 from PyTorch's initial weights and fixed data, which are saved beside the losses,
gradient norms, gradients of named parameters, parameters after the last step and outputs, so that Ember runs the same
steps from the same numbers:
  s2s.*    seq2seq: an Embedding + bidirectional LSTM encoder over a packed padded batch (enforce_sorted=False), a
           GRUCell decoder with Bahdanau attention and an LSTMCell decoder with Luong attention, both written by hand
           (bmm, masked_fill with -inf on padding, softmax), teacher forcing, cross_entropy with label_smoothing and
           ignore_index, Adam, clip_grad_norm_
  asr.*    speech-like: Conv1d front end (stride 2, GroupNorm, BatchNorm1d), bidirectional GRU, log_softmax, CTC loss
           (blank, zero_infinity with an impossible sample, reductions mean/sum/none, padded and concatenated targets),
           Adam, running statistics, a greedy decode in eval (argmax, unique_consecutive, blanks dropped)
  pinn.*   physics-informed NN: MLP u(x, t) with tanh, Burgers residual from autograd.grad with create_graph (u_t, u_x,
           u_xx), boundary/initial loss, Adam steps then LBFGS(line_search_fn="strong_wolfe") steps
  node.*   a neural ODE by hand: RK4 over an MLP vector field f(t, y), backprop through the solver to the parameters
           and to y0, SGD steps
  clr.*    SimCLR NT-Xent (F.normalize, similarity / temperature, masked_fill of the diagonal, cross_entropy over
           arange labels), SGD with momentum
  kd.*     distillation: a frozen teacher (requires_grad_(False), eval() with Dropout and BatchNorm1d, no_grad), KL of
           temperature-softened outputs (kl_div batchmean * T^2), cross_entropy, cosine_embedding_loss on features
  flow.*   RealNVP: affine couplings with checkerboard and channel masks (non-persistent buffers), log-det from summed log-scales, base
           Normal(0, 1).log_prob from torch.distributions, Adam, the inverse reconstructing the input
  style.*  neural style transfer: Gram matrices of frozen conv features, the input image as the only leaf, content,
           style and total-variation losses, Adam, clamp_ under no_grad
  probe.*  what these users vary next: an all-padding attention row, a beam-search step, sorted packing with a projected
           LSTM, smoothed cross entropy's other reductions, CTC with an empty target and in float32, a spectrogram
           as a windowed DFT by conv1d, cosine_similarity broadcast, KLDivLoss with log targets, Glow's 1x1 conv with
           slogdet and ActNorm, Independent(Normal).log_prob, a sine network's input gradient and Hessian
  probe2.* a second round: float32 CTC over 30 peaked frames, kl_div against one-hot targets, soft targets with
           smoothing, every target ignored, a third derivative, a two-layer bidirectional GRU over a packed batch with
           h0, a learned Gaussian's NLL, an affine TransformedDistribution, unique_consecutive along dim 1, einsum
           attention, pack_sequence and unpad_sequence
  probe3.* a third round: Barlow Twins (in-place ops on the diagonal of a non-leaf, off_diagonal by views), VICReg,
           MoCo (a momentum encoder through .data, a queue by slice assignment), a Johnson transform net
           (ReflectionPad2d, affine InstanceNorm2d, nearest Upsample), AdaIN, Gatys' LBFGS over the image, a causal
           dilated Conv1d under weight_norm(dim=2) with GLU, MADE with a MultivariateNormal base, nn.Transformer with
           padding masks
  probe5.* third derivatives through gelu (both), silu, softplus, elu, sigmoid, mish, layer_norm and batch_norm, then
           backward (the normalizations' expected values composed from mean/var/sqrt: PyTorch's fused ones are wrong
           at third order, pytorch/pytorch#175754)
  probe4.* var and std over several dimensions with keepdim; Embedding.from_pretrained with padding_idx and max_norm
  *.f32.*  the seq2seq, speech and flow programs' first forward and backward once more in float32 from the same weights
Nothing 1.13 computes differently from 2.x is used.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs4.pt (a dict of tensors).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.grad.clone()


# 1. seq2seq ----------------------------------------------------------------------------------------------------------
PAD, BOS, EOS = 0, 1, 2


class Encoder(nn.Module):
    def __init__(s, vocab=7, emb=6, hid=5):
        super().__init__()
        s.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        s.lstm = nn.LSTM(emb, hid, batch_first=True, bidirectional=True)
        s.bridge = nn.Linear(2 * hid, hid)

    def forward(s, src, lengths):
        packed = pack_padded_sequence(s.emb(src), lengths, batch_first=True, enforce_sorted=False)
        outp, (h, c) = s.lstm(packed)
        outp, _ = pad_packed_sequence(outp, batch_first=True, total_length=src.size(1))
        h0 = torch.tanh(s.bridge(torch.cat([h[0], h[1]], -1)))
        c0 = torch.cat([c[0], c[1]], -1)
        return outp, h0, c0


class BahdanauDecoder(nn.Module):
    def __init__(s, vocab=8, emb=6, hid=5, enc=10):
        super().__init__()
        s.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        s.w_q = nn.Linear(hid, hid, bias=False)
        s.w_k = nn.Linear(enc, hid)
        s.v = nn.Linear(hid, 1, bias=False)
        s.cell = nn.GRUCell(emb + enc, hid)
        s.out = nn.Linear(hid + enc, vocab)

    def forward(s, tgt_in, h, enc_out, src_mask):
        keys = s.w_k(enc_out)                                        # [B, S, H]
        logits, attns = [], []
        for t in range(tgt_in.size(1)):
            scores = s.v(torch.tanh(keys + s.w_q(h).unsqueeze(1))).squeeze(2)
            scores = scores.masked_fill(~src_mask, float("-inf"))
            a = F.softmax(scores, dim=-1)
            ctx = torch.bmm(a.unsqueeze(1), enc_out).squeeze(1)
            h = s.cell(torch.cat([s.emb(tgt_in[:, t]), ctx], -1), h)
            logits.append(s.out(torch.cat([h, ctx], -1)))
            attns.append(a)
        return torch.stack(logits, 1), torch.stack(attns, 1)


class LuongDecoder(nn.Module):
    def __init__(s, vocab=8, emb=6, hid=5, enc=10):
        super().__init__()
        s.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        s.cell = nn.LSTMCell(emb + hid, hid)
        s.w_a = nn.Linear(enc, hid, bias=False)
        s.w_c = nn.Linear(hid + enc, hid, bias=False)
        s.out = nn.Linear(hid, vocab)

    def forward(s, tgt_in, h, c, enc_out, src_mask):
        feed = h.new_zeros(tgt_in.size(0), h.size(1))               # input feeding of the attentional state
        keys = s.w_a(enc_out)
        logits = []
        for t in range(tgt_in.size(1)):
            h, c = s.cell(torch.cat([s.emb(tgt_in[:, t]), feed], -1), (h, c))
            scores = torch.bmm(keys, h.unsqueeze(2)).squeeze(2)
            scores = scores.masked_fill(src_mask == 0, float("-inf"))
            a = scores.softmax(-1)
            ctx = a.unsqueeze(1).bmm(enc_out).squeeze(1)
            feed = torch.tanh(s.w_c(torch.cat([h, ctx], 1)))
            logits.append(s.out(feed))
        return torch.stack(logits, 1)


class Seq2Seq(nn.Module):
    def __init__(s, luong):
        super().__init__()
        s.luong = luong
        s.encoder = Encoder()
        s.decoder = LuongDecoder() if luong else BahdanauDecoder()

    def forward(s, src, lengths, tgt_in):
        enc_out, h, c = s.encoder(src, lengths)
        mask = src != PAD
        if s.luong:
            return s.decoder(tgt_in, h, c[:, :h.size(1)], enc_out, mask), None
        return s.decoder(tgt_in, h, enc_out, mask)


src = torch.tensor([[3, 4, 5, 6, 2], [5, 3, 2, 0, 0], [4, 6, 6, 3, 2], [6, 2, 0, 0, 0]])
lengths = torch.tensor([5, 3, 5, 2])
tgt = torch.tensor([[1, 4, 5, 7, 2, 0], [1, 6, 3, 2, 0, 0], [1, 3, 3, 4, 5, 2], [1, 7, 2, 0, 0, 0]])
tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
out["s2s.src"], out["s2s.lengths"], out["s2s.tgt"] = src, lengths, tgt
for name, luong in (("bahdanau", False), ("luong", True)):
    torch.manual_seed(2 if luong else 1)
    model = Seq2Seq(luong)
    save_state("s2s." + name + ".init.", model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses, norms = [], []
    for step in range(3):
        opt.zero_grad()
        logits, attn = model(src, lengths, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1), ignore_index=PAD,
                               label_smoothing=0.1)
        loss.backward()
        if step == 0:
            out["s2s." + name + ".logits0"] = logits.detach().clone()
            if attn is not None:
                out["s2s." + name + ".attn0"] = attn.detach().clone()
            save_grads("s2s." + name + ".grad0.", model)
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 0.5).item())
        opt.step()
        losses.append(loss.item())
    out["s2s." + name + ".loss"] = torch.tensor(losses)
    out["s2s." + name + ".norm"] = torch.tensor(norms)
    save_params("s2s." + name + ".final.", model)
    if not luong:
        bahdanau = model

# the encoder alone in float32 from the Bahdanau model's initial weights, forward + backward of the first loss
torch.manual_seed(1)
m32 = Seq2Seq(False).float()
m32.load_state_dict({k[len("s2s.bahdanau.init."):]: v for k, v in out.items() if k.startswith("s2s.bahdanau.init.")})
logits, _ = m32(src, lengths, tgt_in)
loss = F.cross_entropy(logits.reshape(-1, 8), tgt_out.reshape(-1), ignore_index=PAD, label_smoothing=0.1)
loss.backward()
out["s2s.f32.loss"] = loss.detach().clone()
save_grads("s2s.f32.grad.", m32)


# 2. speech-like CTC --------------------------------------------------------------------------------------------------
class Acoustic(nn.Module):
    def __init__(s, feats=6, ch=8, hid=6, classes=5):
        super().__init__()
        s.conv1 = nn.Conv1d(feats, ch, 3, stride=2, padding=1)
        s.gn = nn.GroupNorm(2, ch)
        s.conv2 = nn.Conv1d(ch, ch, 3, padding=1, bias=False)
        s.bn = nn.BatchNorm1d(ch)
        s.gru = nn.GRU(ch, hid, batch_first=True, bidirectional=True)
        s.fc = nn.Linear(2 * hid, classes)

    def forward(s, x):
        h = F.relu(s.gn(s.conv1(x)))
        h = F.relu(s.bn(s.conv2(h)))
        h, _ = s.gru(h.transpose(1, 2))
        return F.log_softmax(s.fc(h), dim=-1)


torch.manual_seed(3)
asr = Acoustic()
save_state("asr.init.", asr)
feats = torch.randn(3, 6, 12)
in_lengths_raw = torch.tensor([12, 9, 7])
in_lengths = (in_lengths_raw + 2 * 1 - 3) // 2 + 1                       # the conv's output lengths: 6, 5, 4
targets = torch.tensor([[1, 2, 2, 3], [4, 1, 0, 0], [3, 3, 3, 4]])        # the third cannot fit in 4 frames
target_lengths = torch.tensor([4, 2, 4])
out["asr.x"], out["asr.in_lengths"], out["asr.targets"], out["asr.target_lengths"] = feats, in_lengths, targets, target_lengths
opt = torch.optim.Adam(asr.parameters(), lr=5e-3)
losses = []
for step in range(3):
    opt.zero_grad()
    lp = asr(feats).transpose(0, 1)                                         # [T, N, C]
    loss = F.ctc_loss(lp, targets, in_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=True)
    loss.backward()
    if step == 0:
        out["asr.logp0"] = lp.detach().clone()
        save_grads("asr.grad0.", asr)
        with torch.no_grad():
            out["asr.none"] = F.ctc_loss(lp, targets, in_lengths, target_lengths, reduction="none")
            out["asr.none_zero_inf"] = F.ctc_loss(lp, targets, in_lengths, target_lengths, reduction="none",
                                                  zero_infinity=True)
            out["asr.sum"] = F.ctc_loss(lp, targets, in_lengths, target_lengths, reduction="sum", zero_infinity=True)
            flat = torch.cat([targets[i, :target_lengths[i]] for i in range(3)])
            out["asr.concat_mean"] = F.ctc_loss(lp, flat, in_lengths, target_lengths, zero_infinity=True)
            # blank at the last class: the same log-probabilities with classes rolled so that blank moves to 4
            out["asr.blank_last"] = F.ctc_loss(lp.roll(-1, dims=2), targets - 1, in_lengths, target_lengths, blank=4,
                                               reduction="sum", zero_infinity=True)
    opt.step()
    losses.append(loss.item())
out["asr.loss"] = torch.tensor(losses)
save_params("asr.final.", asr)
for k in ("running_mean", "running_var", "num_batches_tracked"):
    out["asr.bn." + k] = getattr(asr.bn, k).clone()
asr.eval()
with torch.no_grad():
    out["asr.eval_logp"] = asr(feats).clone()
    # the untrained model emits blanks only, so the decode runs on log-probabilities with fewer blanks as well
    lp = torch.cat([asr(feats)[:1], torch.randn(2, 6, 5).log_softmax(-1)])
    out["asr.decode_logp"] = lp.clone()
    best = lp.argmax(-1)
    decoded = []
    for i in range(3):
        seq = torch.unique_consecutive(best[i, :in_lengths[i]])
        seq = seq[seq != 0]
        decoded.append(seq)
    out["asr.best"] = best
    out["asr.decoded"] = torch.cat(decoded)
    out["asr.decoded_lengths"] = torch.tensor([len(d) for d in decoded])
    u, inv, cnt = torch.unique_consecutive(best.flatten(), return_inverse=True, return_counts=True)
    out["asr.uc0.values"], out["asr.uc0.inverse"], out["asr.uc0.counts"] = u, inv, cnt

torch.manual_seed(3)
a32 = Acoustic().float()
a32.load_state_dict({k[len("asr.init."):]: v for k, v in out.items() if k.startswith("asr.init.")})
lp = a32(feats.float()).transpose(0, 1)
loss = F.ctc_loss(lp, targets, in_lengths, target_lengths, zero_infinity=True)
loss.backward()
out["asr.f32.loss"] = loss.detach().clone()
save_grads("asr.f32.grad.", a32)


# 3. PINN and a neural ODE --------------------------------------------------------------------------------------------
class Pinn(nn.Module):
    def __init__(s, width=12):
        super().__init__()
        s.net = nn.Sequential(nn.Linear(2, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1))

    def forward(s, x, t):
        return s.net(torch.cat([x, t], 1))


NU = 0.01 / math.pi


def pinn_loss(model, xc, tc, xb, tb, ub):
    xc = xc.clone().requires_grad_(True)
    tc = tc.clone().requires_grad_(True)
    u = model(xc, tc)
    u_x, u_t = torch.autograd.grad(u.sum(), (xc, tc), create_graph=True)
    u_xx = torch.autograd.grad(u_x.sum(), xc, create_graph=True)[0]
    residual = u_t + u * u_x - NU * u_xx
    return residual.pow(2).mean() + F.mse_loss(model(xb, tb), ub), (u_x, u_t, u_xx)


torch.manual_seed(4)
pinn = Pinn()
save_state("pinn.init.", pinn)
xc = torch.rand(16, 1) * 2 - 1
tc = torch.rand(16, 1)
xb = torch.cat([torch.linspace(-1, 1, 6).unsqueeze(1), -torch.ones(3, 1), torch.ones(3, 1)])
tb = torch.cat([torch.zeros(6, 1), torch.rand(3, 1), torch.rand(3, 1)])
ub = torch.cat([-torch.sin(math.pi * xb[:6]), torch.zeros(6, 1)])
out["pinn.xc"], out["pinn.tc"], out["pinn.xb"], out["pinn.tb"], out["pinn.ub"] = xc, tc, xb, tb, ub
loss, (u_x, u_t, u_xx) = pinn_loss(pinn, xc, tc, xb, tb, ub)
out["pinn.u_x"], out["pinn.u_t"], out["pinn.u_xx"] = u_x.detach(), u_t.detach(), u_xx.detach()
loss.backward()
save_grads("pinn.grad0.", pinn)
pinn.zero_grad()
adam = torch.optim.Adam(pinn.parameters(), lr=1e-2)
losses = []
for step in range(3):
    adam.zero_grad()
    loss, _ = pinn_loss(pinn, xc, tc, xb, tb, ub)
    loss.backward()
    adam.step()
    losses.append(loss.item())
lbfgs = torch.optim.LBFGS(pinn.parameters(), lr=1, max_iter=4, history_size=5, line_search_fn="strong_wolfe")
evals = []


def closure():
    lbfgs.zero_grad()
    l, _ = pinn_loss(pinn, xc, tc, xb, tb, ub)
    l.backward()
    evals.append(l.item())
    return l


for step in range(2):
    losses.append(lbfgs.step(closure).item())
out["pinn.loss"] = torch.tensor(losses)
out["pinn.evals"] = torch.tensor(evals)
save_params("pinn.final.", pinn)


class VectorField(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1 = nn.Linear(3, 10)
        s.l2 = nn.Linear(10, 2)

    def forward(s, t, y):
        return s.l2(torch.tanh(s.l1(torch.cat([y, t.expand(y.size(0), 1)], 1))))


def rk4(f, y0, t0, t1, steps):
    h = (t1 - t0) / steps
    y, t = y0, torch.tensor([[t0]])
    for _ in range(steps):
        k1 = f(t, y)
        k2 = f(t + h / 2, y + h / 2 * k1)
        k3 = f(t + h / 2, y + h / 2 * k2)
        k4 = f(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + h
    return y


torch.manual_seed(5)
field = VectorField()
save_state("node.init.", field)
y0 = torch.randn(5, 2)
target = torch.randn(5, 2)
out["node.y0"], out["node.target"] = y0, target
y0r = y0.clone().requires_grad_(True)
yT = rk4(field, y0r, 0.0, 1.0, 4)
loss = F.mse_loss(yT, target)
loss.backward()
out["node.yT"] = yT.detach().clone()
out["node.y0_grad"] = y0r.grad.clone()
save_grads("node.grad0.", field)
sgd = torch.optim.SGD(field.parameters(), lr=0.1)
losses = []
for step in range(3):
    sgd.zero_grad()
    loss = F.mse_loss(rk4(field, y0, 0.0, 1.0, 4), target)
    loss.backward()
    sgd.step()
    losses.append(loss.item())
out["node.loss"] = torch.tensor(losses)
save_params("node.final.", field)


# 4. contrastive and distillation -------------------------------------------------------------------------------------
def nt_xent(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    n = z1.size(0)
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    labels = torch.cat([torch.arange(n) + n, torch.arange(n)])
    return F.cross_entropy(sim, labels)


torch.manual_seed(6)
enc = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4))
save_state("clr.init.", enc)
base = torch.randn(5, 6)
v1 = base + 0.1 * torch.randn(5, 6)
v2 = base * (1 + 0.2 * torch.randn(5, 6))
out["clr.v1"], out["clr.v2"] = v1, v2
opt = torch.optim.SGD(enc.parameters(), lr=0.1, momentum=0.9)
losses = []
for step in range(3):
    opt.zero_grad()
    loss = nt_xent(enc(v1), enc(v2), 0.5)
    loss.backward()
    if step == 0:
        save_grads("clr.grad0.", enc)
    opt.step()
    losses.append(loss.item())
out["clr.loss"] = torch.tensor(losses)
save_params("clr.final.", enc)


class Net(nn.Module):
    def __init__(s, width, p):
        super().__init__()
        s.body = nn.Sequential(nn.Linear(6, width), nn.BatchNorm1d(width), nn.ReLU(), nn.Dropout(p),
                               nn.Linear(width, 4))
        s.head = nn.Linear(4, 3)

    def forward(s, x):
        f = s.body(x)
        return s.head(F.relu(f)), f


torch.manual_seed(7)
teacher = Net(10, 0.5)  # dropout is off in eval
student = Net(5, 0.0)   # no dropout in the student, whose training steps would draw random masks
with torch.no_grad():  # the teacher's running statistics as after training
    teacher.body[1].running_mean.copy_(torch.randn(10) * 0.1)
    teacher.body[1].running_var.copy_(torch.rand(10) + 0.5)
save_state("kd.teacher.", teacher)
save_state("kd.student.init.", student)
teacher.requires_grad_(False)
teacher.eval()
x = torch.randn(6, 6)
y = torch.tensor([0, 2, 1, 1, 0, 2])
sign = torch.tensor([1, -1, 1, 1, -1, 1])
out["kd.x"], out["kd.y"], out["kd.sign"] = x, y, sign
T = 2.0
opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9, nesterov=True)
losses, kds, coss = [], [], []
for step in range(3):
    opt.zero_grad()
    with torch.no_grad():
        t_logits, t_feat = teacher(x)
    s_logits, s_feat = student(x)
    kd = F.kl_div(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1), reduction="batchmean") * T * T
    cos = F.cosine_embedding_loss(s_feat, t_feat, sign, margin=0.2)
    loss = 0.5 * kd + 0.5 * F.cross_entropy(s_logits, y) + cos
    loss.backward()
    if step == 0:
        out["kd.teacher_logits"] = t_logits.clone()
        save_grads("kd.grad0.", student)
    opt.step()
    losses.append(loss.item())
    kds.append(kd.item())
    coss.append(cos.item())
out["kd.loss"], out["kd.kd"], out["kd.cos"] = torch.tensor(losses), torch.tensor(kds), torch.tensor(coss)
save_params("kd.student.final.", student)
for k, v in student.named_buffers():
    out["kd.student.buffers." + k] = v.clone()


# 5. RealNVP and style transfer ---------------------------------------------------------------------------------------
def checkerboard(h, w, flip):
    m = (torch.arange(h).unsqueeze(1) + torch.arange(w)) % 2
    m = 1 - m if flip else m
    return m.to(torch.get_default_dtype()).view(1, 1, h, w)


class Coupling(nn.Module):
    def __init__(s, mask, ch=2, hid=4):
        super().__init__()
        s.register_buffer("mask", mask, persistent=False)  # rebuilt from the configuration, not in the state dict
        s.net = nn.Sequential(nn.Conv2d(ch, hid, 3, padding=1), nn.ReLU(), nn.Conv2d(hid, 2 * ch, 3, padding=1))
        s.scale = nn.Parameter(torch.ones(1, ch, 1, 1) * 0.5)

    def st(s, xm):
        s_raw, t = s.net(xm).chunk(2, dim=1)
        return s.scale * torch.tanh(s_raw), t

    def forward(s, x):
        m = s.mask
        log_s, t = s.st(x * m)
        log_s, t = log_s * (1 - m), t * (1 - m)
        return x * m + (1 - m) * (x * log_s.exp() + t), log_s.sum(dim=(1, 2, 3))

    def inverse(s, y):
        m = s.mask
        log_s, t = s.st(y * m)
        log_s, t = log_s * (1 - m), t * (1 - m)
        return y * m + (1 - m) * ((y - t) * torch.exp(-log_s))


class RealNVP(nn.Module):
    def __init__(s):
        super().__init__()
        chan = torch.zeros(1, 2, 1, 1)
        chan[:, 0] = 1
        s.layers = nn.ModuleList([Coupling(checkerboard(4, 4, False)), Coupling(checkerboard(4, 4, True)),
                                  Coupling(chan.expand(1, 2, 4, 4).clone()), Coupling(1 - chan.expand(1, 2, 4, 4))])
        s.base = torch.distributions.Normal(torch.tensor(0.0), torch.tensor(1.0))

    def forward(s, x):
        logdet = torch.zeros(x.size(0), dtype=x.dtype)
        for layer in s.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(s, x):
        z, logdet = s(x)
        return s.base.log_prob(z).sum(dim=(1, 2, 3)) + logdet

    def inverse(s, z):
        for layer in reversed(s.layers):
            z = layer.inverse(z)
        return z


torch.manual_seed(8)
flow = RealNVP()
save_state("flow.init.", flow)
data = torch.randn(6, 2, 4, 4) * 0.7 + 0.3
out["flow.x"] = data
opt = torch.optim.Adam(flow.parameters(), lr=1e-2)
losses = []
for step in range(3):
    opt.zero_grad()
    logp = flow.log_prob(data)
    loss = -logp.mean()
    loss.backward()
    if step == 0:
        out["flow.logp0"] = logp.detach().clone()
        save_grads("flow.grad0.", flow)
    opt.step()
    losses.append(loss.item())
out["flow.loss"] = torch.tensor(losses)
save_params("flow.final.", flow)
with torch.no_grad():
    z, logdet = flow(data)
    out["flow.z"], out["flow.logdet"] = z, logdet
    out["flow.recon"] = flow.inverse(z)

torch.manual_seed(8)
f32 = RealNVP().float()
f32.load_state_dict({k[len("flow.init."):]: v for k, v in out.items() if k.startswith("flow.init.")})
f32.base = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float32), torch.tensor(1.0, dtype=torch.float32))
loss = -f32.log_prob(data.float()).mean()
loss.backward()
out["flow.f32.loss"] = loss.detach().clone()
save_grads("flow.f32.grad.", f32)


def gram(f):
    n, c, h, w = f.shape
    f = f.view(n * c, h * w)
    return f @ f.t() / (n * c * h * w)


def tv(img):
    return (img[:, :, 1:, :] - img[:, :, :-1, :]).abs().mean() + (img[:, :, :, 1:] - img[:, :, :, :-1]).abs().mean()


class Features(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(3, 4, 3, padding=1)
        s.c2 = nn.Conv2d(4, 6, 3, padding=1)

    def forward(s, x):
        f1 = F.relu(s.c1(x))
        f2 = F.relu(s.c2(F.max_pool2d(f1, 2)))
        return f1, f2


torch.manual_seed(9)
feat = Features()
save_state("style.features.", feat)
feat.requires_grad_(False).eval()
content = torch.rand(1, 3, 8, 8)
style = torch.rand(1, 3, 8, 8)
out["style.content"], out["style.style"] = content, style
with torch.no_grad():
    c_target = feat(content)[1]
    s_grams = [gram(f) for f in feat(style)]
out["style.gram0"], out["style.gram1"] = s_grams[0], s_grams[1]
img = content.clone().requires_grad_(True)
opt = torch.optim.Adam([img], lr=0.05)
losses = []
for step in range(4):
    opt.zero_grad()
    f1, f2 = feat(img)
    loss = F.mse_loss(f2, c_target) + 1e3 * sum(F.mse_loss(gram(f), g) for f, g in zip((f1, f2), s_grams)) \
        + 0.1 * tv(img)
    loss.backward()
    if step == 0:
        out["style.grad0"] = img.grad.clone()
    opt.step()
    with torch.no_grad():
        img.clamp_(0, 1)
    losses.append(loss.item())
out["style.loss"] = torch.tensor(losses)
out["style.final"] = img.detach().clone()


# 6. probes: what these users vary next, each small -----------------------------------------------------------------
torch.manual_seed(10)
# (a) attention where one query's keys are all padding: softmax of an all -inf row is nan in PyTorch; nan_to_num after
scores = torch.randn(2, 3, 4)
kmask = torch.tensor([[True, True, False, False], [False, False, False, False]])
a = scores.masked_fill(~kmask.unsqueeze(1), float("-inf")).softmax(-1)
out["probe.attn_scores"], out["probe.attn_allmasked"] = scores, a
out["probe.attn_nan_to_num"] = torch.nan_to_num(a)
# (b) a beam search step: topk over flattened beam x vocab scores, floor division and remainder, index_select of states
logp = torch.randn(2, 3, 5).log_softmax(-1)                       # [batch, beam, vocab]
beam_scores = torch.tensor([[-0.5, -1.0, -1.5], [-0.2, -0.9, -2.0]])
cand = (beam_scores.unsqueeze(-1) + logp).view(2, -1)
top, idx = cand.topk(3, dim=1)
beam_idx = torch.div(idx, 5, rounding_mode="floor")
tok_idx = idx % 5
states = torch.randn(2 * 3, 4)
flat = (beam_idx + torch.arange(2).unsqueeze(1) * 3).view(-1)
out["probe.beam_logp"], out["probe.beam_scores"], out["probe.beam_states"] = logp, beam_scores, states
out["probe.beam_top"], out["probe.beam_idx"], out["probe.beam_tok"] = top, beam_idx, tok_idx
out["probe.beam_next"] = states.index_select(0, flat)
# (c) sorted packing (enforce_sorted=True after a descending sort), padding_value, a projected bidirectional LSTM
torch.manual_seed(11)
lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True, proj_size=2)
save_state("probe.lstm.init.", lstm)
seqs = torch.randn(3, 4, 3)
lens = torch.tensor([2, 4, 3])
sorted_lens, order = lens.sort(descending=True)
packed = pack_padded_sequence(seqs[order], sorted_lens, batch_first=True)
po, (ph, pc) = lstm(packed)
padded, plens = pad_packed_sequence(po, batch_first=True, padding_value=-1.0)
out["probe.lstm_x"], out["probe.lstm_lens"] = seqs, lens
out["probe.lstm_out"], out["probe.lstm_h"], out["probe.lstm_c"], out["probe.lstm_plens"] = padded, ph, pc, plens
(padded.clamp_min(0).sum() + ph.sum()).backward()
save_grads("probe.lstm.grad.", lstm)
# (d) cross entropy with smoothing and ignore_index under the other reductions, and with class weights
ce_logits = torch.randn(6, 4)
ce_t = torch.tensor([1, 0, 3, 0, 2, 1])
out["probe.ce_logits"], out["probe.ce_t"] = ce_logits, ce_t
out["probe.ce_sum"] = F.cross_entropy(ce_logits, ce_t, ignore_index=0, label_smoothing=0.2, reduction="sum")
out["probe.ce_none"] = F.cross_entropy(ce_logits, ce_t, ignore_index=0, label_smoothing=0.2, reduction="none")
out["probe.ce_w"] = F.cross_entropy(ce_logits, ce_t, weight=torch.tensor([0.5, 1.0, 2.0, 0.7]), ignore_index=0,
                                    label_smoothing=0.2)
# (e) CTC: an empty target (its loss is -sum log blank), nn.CTCLoss, float32 with int32 lengths given as lists
torch.manual_seed(12)
clp = torch.randn(5, 2, 4).log_softmax(-1)
ctg = torch.tensor([[1, 2], [0, 0]])
out["probe.ctc_lp"] = clp
out["probe.ctc_empty_none"] = F.ctc_loss(clp, ctg, [5, 4], [2, 0], reduction="none")
out["probe.ctc_empty_mean"] = nn.CTCLoss()(clp, ctg, torch.tensor([5, 4]), torch.tensor([2, 0]))
c32 = clp.float().requires_grad_(True)
l32 = F.ctc_loss(c32, ctg.int(), torch.tensor([5, 4], dtype=torch.int32), torch.tensor([2, 0], dtype=torch.int32))
l32.backward()
out["probe.ctc_f32"], out["probe.ctc_f32_grad"] = l32.detach(), c32.grad
# (f) a spectrogram front end without torch.stft: a Hann-windowed DFT as conv1d with cos/sin kernels, log1p power,
#     and a SpecAugment time mask by masked_fill
n_fft, hop = 8, 4
win = torch.hann_window(n_fft)
k = torch.arange(n_fft // 2 + 1).unsqueeze(1)
n = torch.arange(n_fft).unsqueeze(0)
basis = torch.cat([torch.cos(2 * math.pi * k * n / n_fft), -torch.sin(2 * math.pi * k * n / n_fft)]) * win
wave = torch.randn(2, 1, 32, requires_grad=True)
spec = F.conv1d(F.pad(wave, (n_fft // 2, n_fft // 2), mode="reflect"), basis.unsqueeze(1), stride=hop)
power = spec[:, :n_fft // 2 + 1] ** 2 + spec[:, n_fft // 2 + 1:] ** 2
logspec = torch.log1p(power)
tmask = torch.zeros(logspec.shape[-1], dtype=torch.bool)
tmask[3:5] = True
aug = logspec.masked_fill(tmask, 0.0)
aug.pow(2).mean().backward()
out["probe.wave"], out["probe.logspec"], out["probe.aug"], out["probe.wave_grad"] = wave.detach(), logspec.detach(), \
    aug.detach(), wave.grad
# (g) SimCLR's other similarity: cosine_similarity broadcast over [2n, 1, d] and [1, 2n, d], with its gradient
zz = torch.randn(6, 4, requires_grad=True)
sim = F.cosine_similarity(zz.unsqueeze(1), zz.unsqueeze(0), dim=-1)
(sim * torch.arange(36.).view(6, 6)).sum().backward()
out["probe.cos_z"], out["probe.cos_sim"], out["probe.cos_grad"] = zz.detach(), sim.detach(), zz.grad
# (h) KLDivLoss with log targets, and "mean" (per element) against "batchmean"
s_lp = torch.randn(4, 3).log_softmax(1)
t_lp = torch.randn(4, 3).log_softmax(1)
out["probe.kl_s"], out["probe.kl_t"] = s_lp, t_lp
out["probe.kl_logt"] = nn.KLDivLoss(reduction="batchmean", log_target=True)(s_lp, t_lp)
out["probe.kl_mean"] = F.kl_div(s_lp, t_lp.exp(), reduction="mean")
# (i) Glow's invertible 1x1 convolution: conv2d with a square weight, log-det h * w * slogdet, its gradient; ActNorm
w = torch.linalg.qr(torch.randn(3, 3))[0].requires_grad_(True)
gx = torch.randn(2, 3, 4, 4)
gy = F.conv2d(gx, w.view(3, 3, 1, 1))
glogdet = 4 * 4 * torch.slogdet(w)[1]
an_loc = -gx.mean(dim=(0, 2, 3), keepdim=True)
an_scale = 1 / (gx.std(dim=(0, 2, 3), keepdim=True) + 1e-6)
an = an_scale * (gy + an_loc)
(an.pow(2).sum() - glogdet).backward()
out["probe.glow_w"], out["probe.glow_x"] = w.detach(), gx
out["probe.glow_y"], out["probe.glow_logdet"], out["probe.glow_an"], out["probe.glow_grad"] = gy.detach(), \
    glogdet.detach(), an.detach(), w.grad
# (j) Independent(Normal, 3).log_prob of an image batch; a SIREN-like PINN with sin, grad_outputs=ones_like, and the
#     Hessian of a scalar field by torch.autograd.functional.hessian
ind = torch.distributions.Independent(torch.distributions.Normal(torch.zeros(2, 4, 4), torch.ones(2, 4, 4) * 0.5), 3)
out["probe.ind_logp"] = ind.log_prob(gx[:, :2])
torch.manual_seed(13)
siren = nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 1))
save_state("probe.siren.init.", siren)
px = torch.rand(5, 2, requires_grad=True)
pu = siren[1](torch.sin(30.0 * siren[0](px)))
pg = torch.autograd.grad(pu, px, grad_outputs=torch.ones_like(pu), create_graph=True)[0]
(pg.pow(2).sum() + pu.sum()).backward()
out["probe.siren_x"], out["probe.siren_du"] = px.detach(), pg.detach()
save_grads("probe.siren.grad.", siren)
out["probe.hess"] = torch.autograd.functional.hessian(lambda v: siren(torch.sin(v)).sum(), px.detach()[0])

# (k) second round: CTC in float32 over a longer, peaked input; kl_div against one-hot targets (0 log 0 = 0); soft
#     targets with label smoothing; every target ignored; a third derivative (KdV's u_xxx); GRU over a packed batch
#     with h0 and two bidirectional layers; a learned Gaussian's log_prob; TransformedDistribution with AffineTransform;
#     unique_consecutive along a dimension; einsum dot attention; pack_sequence and unpad_sequence
torch.manual_seed(14)
pk = (torch.randn(30, 2, 6) * 6).log_softmax(-1).float().requires_grad_(True)
pkt = torch.tensor([[1, 2, 2, 3, 4, 1, 5, 5], [3, 1, 4, 1, 5, 2, 0, 0]])
pkl = F.ctc_loss(pk, pkt, torch.tensor([30, 25]), torch.tensor([8, 6]), reduction="sum")
pkl.backward()
out["probe2.ctc_lp"], out["probe2.ctc_loss"], out["probe2.ctc_grad"] = pk.detach(), pkl.detach(), pk.grad
pk64 = pk.detach().double().requires_grad_(True)  # the same inputs in float64: the float32 results' exact reference
F.ctc_loss(pk64, pkt, torch.tensor([30, 25]), torch.tensor([8, 6]), reduction="sum").backward()
out["probe2.ctc_grad64"] = pk64.grad
sl = torch.randn(4, 3, requires_grad=True)
onehot = F.one_hot(torch.tensor([0, 2, 1, 2]), 3).to(torch.float64)
kl = F.kl_div(F.log_softmax(sl, 1), onehot, reduction="batchmean")
kl.backward()
out["probe2.kl_s"], out["probe2.kl_onehot"], out["probe2.kl_grad"] = sl.detach(), kl.detach(), sl.grad
soft = torch.softmax(torch.randn(4, 3), 1)
out["probe2.soft"] = soft
out["probe2.ce_soft_smooth"] = F.cross_entropy(sl.detach(), soft, label_smoothing=0.3)
out["probe2.ce_all_ignored"] = F.cross_entropy(sl.detach(), torch.tensor([0, 0, 0, 0]), ignore_index=0,
                                               label_smoothing=0.1)
torch.manual_seed(15)
kdv = nn.Sequential(nn.Linear(1, 6), nn.Tanh(), nn.Linear(6, 1))
save_state("probe2.kdv.init.", kdv)
kx = torch.linspace(-1, 1, 5).unsqueeze(1).requires_grad_(True)
ku = kdv(kx)
k1 = torch.autograd.grad(ku.sum(), kx, create_graph=True)[0]
k2 = torch.autograd.grad(k1.sum(), kx, create_graph=True)[0]
k3 = torch.autograd.grad(k2.sum(), kx, create_graph=True)[0]
(k3.pow(2).mean() + (ku * k1).mean()).backward()
out["probe2.kdv_u3"] = k3.detach()
save_grads("probe2.kdv.grad.", kdv)
torch.manual_seed(16)
gru = nn.GRU(3, 4, num_layers=2, batch_first=True, bidirectional=True)
save_state("probe2.gru.init.", gru)
gxs = torch.randn(3, 5, 3)
gh0 = torch.randn(4, 3, 4)
gpk = pack_padded_sequence(gxs, torch.tensor([3, 5, 2]), batch_first=True, enforce_sorted=False)
go, gh = gru(gpk, gh0)
gpad, _ = pad_packed_sequence(go, batch_first=True)
(gpad.pow(2).sum() + gh.sum()).backward()
out["probe2.gru_x"], out["probe2.gru_h0"], out["probe2.gru_out"], out["probe2.gru_h"] = gxs, gh0, gpad.detach(), gh.detach()
save_grads("probe2.gru.grad.", gru)
mu = torch.randn(4, 2, requires_grad=True)
log_sigma = torch.randn(4, 2, requires_grad=True)
obs = torch.randn(4, 2)
nll = -torch.distributions.Normal(mu, log_sigma.exp()).log_prob(obs).sum()
nll.backward()
out["probe2.mu"], out["probe2.log_sigma"], out["probe2.obs"] = mu.detach(), log_sigma.detach(), obs
out["probe2.nll"], out["probe2.mu_grad"], out["probe2.ls_grad"] = nll.detach(), mu.grad, log_sigma.grad
td = torch.distributions.TransformedDistribution(torch.distributions.Normal(torch.zeros(2), torch.ones(2)),
                                                 [torch.distributions.AffineTransform(torch.tensor([1.0, -1.0]),
                                                                                      torch.tensor([2.0, 0.5]))])
out["probe2.td_logp"] = td.log_prob(obs)
ucm = torch.tensor([[1, 1, 2, 2, 2, 3], [0, 0, 1, 1, 1, 1]])
uv, ui, uc = torch.unique_consecutive(ucm, return_inverse=True, return_counts=True, dim=1)
out["probe2.uc_m"], out["probe2.uc_values"], out["probe2.uc_inverse"], out["probe2.uc_counts"] = ucm, uv, ui, uc
enc_o = torch.randn(2, 4, 3)
hq = torch.randn(2, 3)
att = torch.einsum("bsh,bh->bs", enc_o, hq).softmax(-1)
out["probe2.ein_enc"], out["probe2.ein_h"] = enc_o, hq
out["probe2.ein_ctx"] = torch.einsum("bs,bsh->bh", att, enc_o)
from torch.nn.utils.rnn import pack_sequence, unpad_sequence
ps = pack_sequence([torch.tensor([1., 2.]), torch.tensor([3., 4., 5.]), torch.tensor([6.])], enforce_sorted=False)
out["probe2.ps_data"], out["probe2.ps_batch_sizes"] = ps.data, ps.batch_sizes
out["probe2.ps_sorted"], out["probe2.ps_unsorted"] = ps.sorted_indices, ps.unsorted_indices
pads, plen = pad_packed_sequence(ps, batch_first=True)
out["probe2.unpad1"] = unpad_sequence(pads, plen, batch_first=True)[1]

# (l) third round, self-supervised and generative variants: Barlow Twins (BatchNorm1d without affine, cross-correlation,
#     in-place add_ and pow_ on the diagonal of a non-leaf, off_diagonal by flatten/view slicing), VICReg (variance,
#     covariance), MoCo (a momentum encoder updated through .data, a queue written by slice assignment), a Johnson-style
#     transform net (ReflectionPad2d, InstanceNorm2d with affine, nearest Upsample, a residual block), AdaIN, Gatys' LBFGS
#     over the image with clamping in the closure, a causal dilated Conv1d under weight_norm(dim=2) with GLU, MADE's
#     masked linear with a MultivariateNormal base, and nn.Transformer with padding masks
def off_diagonal(x):
    n, m = x.shape
    return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()


torch.manual_seed(17)
proj = nn.Sequential(nn.Linear(5, 6), nn.ReLU(), nn.Linear(6, 4))
save_state("probe3.bt.init.", proj)
bn = nn.BatchNorm1d(4, affine=False)
b1, b2 = torch.randn(8, 5), torch.randn(8, 5)
za, zb = proj(b1), proj(b2)
c = bn(za).T @ bn(zb) / 8
on_diag = torch.diagonal(c).add_(-1).pow_(2).sum()
off = off_diagonal(c).pow_(2).sum()
bt = on_diag + 0.005 * off
bt.backward()
out["probe3.bt_x1"], out["probe3.bt_x2"], out["probe3.bt_loss"], out["probe3.bt_c"] = b1, b2, bt.detach(), c.detach()
save_grads("probe3.bt.grad.", proj)
proj.zero_grad()
za, zb = proj(b1), proj(b2)
inv = F.mse_loss(za, zb)
std_a = torch.sqrt(za.var(dim=0) + 1e-4)
std_b = torch.sqrt(zb.var(dim=0) + 1e-4)
var_term = torch.mean(F.relu(1 - std_a)) / 2 + torch.mean(F.relu(1 - std_b)) / 2
zac, zbc = za - za.mean(dim=0), zb - zb.mean(dim=0)
cov_a, cov_b = (zac.T @ zac) / 7, (zbc.T @ zbc) / 7
cov_term = off_diagonal(cov_a).pow(2).sum() / 4 + off_diagonal(cov_b).pow(2).sum() / 4
vic = 25 * inv + 25 * var_term + cov_term
vic.backward()
out["probe3.vic_loss"] = vic.detach()
save_grads("probe3.vic.grad.", proj)

torch.manual_seed(18)
q_enc = nn.Linear(5, 4)
k_enc = nn.Linear(5, 4)
save_state("probe3.moco.q.", q_enc)
save_state("probe3.moco.k0.", k_enc)
for pq, pk_ in zip(q_enc.parameters(), k_enc.parameters()):
    pk_.data.copy_(pq.data)
    pk_.requires_grad = False
queue = F.normalize(torch.randn(4, 6), dim=0)
out["probe3.moco_queue0"] = queue.clone()
mopt = torch.optim.SGD(q_enc.parameters(), lr=0.1)
mlosses = []
mx = torch.randn(3, 2, 5)
out["probe3.moco_x"] = mx
ptr = 0
for step in range(3):
    xq, xk = mx[step, :1].expand(2, 5) + 0.1 * torch.arange(2.).unsqueeze(1), mx[step]
    q = F.normalize(q_enc(xq), dim=1)
    with torch.no_grad():
        for pq, pk_ in zip(q_enc.parameters(), k_enc.parameters()):
            pk_.data = pk_.data * 0.9 + pq.data * 0.1
        k = F.normalize(k_enc(xk), dim=1)
    l_pos = torch.einsum("nc,nc->n", q, k).unsqueeze(-1)
    l_neg = torch.einsum("nc,ck->nk", q, queue.clone().detach())
    logits = torch.cat([l_pos, l_neg], dim=1) / 0.07
    loss = F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long))
    mopt.zero_grad()
    loss.backward()
    mopt.step()
    queue[:, ptr:ptr + 2] = k.T
    ptr = (ptr + 2) % 6
    mlosses.append(loss.item())
out["probe3.moco_loss"], out["probe3.moco_queue"] = torch.tensor(mlosses), queue
save_params("probe3.moco.q_final.", q_enc)
save_state("probe3.moco.k_final.", k_enc)


class ResBlock(nn.Module):
    def __init__(s, ch):
        super().__init__()
        s.pad = nn.ReflectionPad2d(1)
        s.conv = nn.Conv2d(ch, ch, 3)
        s.norm = nn.InstanceNorm2d(ch, affine=True)

    def forward(s, x):
        return x + s.norm(s.conv(s.pad(x)))


class TransformNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.down = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(3, 4, 3, stride=2), nn.InstanceNorm2d(4, affine=True),
                               nn.ReLU())
        s.res = ResBlock(4)
        s.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1), nn.Conv2d(4, 3, 3))

    def forward(s, x):
        return torch.sigmoid(s.up(s.res(s.down(x))))


torch.manual_seed(19)
tnet = TransformNet()
with torch.no_grad():  # affine instance norms away from their identity initialization
    for m in tnet.modules():
        if isinstance(m, nn.InstanceNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
save_state("probe3.tnet.init.", tnet)
timg = torch.rand(2, 3, 8, 8)
tout = tnet(timg)
(tout - 0.5).pow(2).mean().backward()
out["probe3.tnet_x"], out["probe3.tnet_out"] = timg, tout.detach()
save_grads("probe3.tnet.grad.", tnet)


def adain(content_feat, style_feat, eps=1e-5):
    c_mean = content_feat.mean(dim=(2, 3), keepdim=True)
    c_std = (content_feat.var(dim=(2, 3), keepdim=True) + eps).sqrt()
    s_mean = style_feat.mean(dim=(2, 3), keepdim=True)
    s_std = (style_feat.var(dim=(2, 3), keepdim=True) + eps).sqrt()
    return (content_feat - c_mean) / c_std * s_std + s_mean


cf = torch.randn(2, 3, 4, 4, requires_grad=True)
sf = torch.randn(2, 3, 4, 4) * 2 + 1
ada = adain(cf, sf)
(ada * torch.linspace(-1, 1, 96).view(2, 3, 4, 4)).sum().backward()
out["probe3.ada_c"], out["probe3.ada_s"], out["probe3.ada"], out["probe3.ada_grad"] = cf.detach(), sf, ada.detach(), cf.grad

limg = content.clone().requires_grad_(True)   # Gatys: LBFGS over the image, clamped inside the closure
lopt = torch.optim.LBFGS([limg], lr=0.5, max_iter=5, history_size=4)
levals = []


def lclosure():
    with torch.no_grad():
        limg.clamp_(0, 1)
    lopt.zero_grad()
    f1, f2 = feat(limg)
    l = F.mse_loss(f2, c_target) + 1e3 * sum(F.mse_loss(gram(f), g) for f, g in zip((f1, f2), s_grams))
    l.backward()
    levals.append(l.item())
    return l


for step in range(2):
    lopt.step(lclosure)
with torch.no_grad():
    limg.clamp_(0, 1)
out["probe3.lbfgs_evals"], out["probe3.lbfgs_img"] = torch.tensor(levals), limg.detach().clone()

torch.manual_seed(20)
wconv = nn.utils.weight_norm(nn.Conv1d(3, 6, 2, dilation=2), dim=2)
save_state("probe3.wn.init.", wconv)
wx = torch.randn(2, 3, 7)
wy = F.glu(wconv(F.pad(wx, (2, 0))), dim=1)
(wy.pow(2).sum()).backward()
out["probe3.wn_x"], out["probe3.wn_y"] = wx, wy.detach()
out["probe3.wn_grad_g"], out["probe3.wn_grad_v"], out["probe3.wn_grad_b"] = wconv.weight_g.grad, wconv.weight_v.grad, \
    wconv.bias.grad


class MaskedLinear(nn.Linear):
    def __init__(s, inp, outp, mask):
        super().__init__(inp, outp)
        s.register_buffer("mask", mask)

    def forward(s, x):
        return F.linear(x, s.mask * s.weight, s.bias)


torch.manual_seed(21)
deg_in = torch.arange(1, 4)
deg_h = torch.tensor([1, 2, 1, 2])
m1 = (deg_h.unsqueeze(1) >= deg_in.unsqueeze(0)).to(torch.float64)
m2 = (deg_in.repeat(2).unsqueeze(1) > deg_h.unsqueeze(0)).to(torch.float64)
made = nn.Sequential(MaskedLinear(3, 4, m1), nn.ReLU(), MaskedLinear(4, 6, m2))
save_state("probe3.made.init.", made)
mxx = torch.randn(5, 3)
mu_a = made(mxx).chunk(2, dim=1)
mz = (mxx - mu_a[0]) * torch.exp(-mu_a[1])
mlogp = torch.distributions.MultivariateNormal(torch.zeros(3), torch.eye(3)).log_prob(mz) - mu_a[1].sum(1)
(-mlogp.mean()).backward()
out["probe3.made_x"], out["probe3.made_logp"] = mxx, mlogp.detach()
save_grads("probe3.made.grad.", made)

torch.manual_seed(22)
tr = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16, dropout=0.0,
                    batch_first=True)
save_state("probe3.tr.init.", tr)
ts = torch.randn(2, 5, 8)
tt = torch.randn(2, 4, 8)
spm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
tpm = torch.tensor([[False, False, False, False], [False, False, True, True]])
tmask = nn.Transformer.generate_square_subsequent_mask(4)
to = tr(ts, tt, tgt_mask=tmask, src_key_padding_mask=spm, tgt_key_padding_mask=tpm, memory_key_padding_mask=spm)
tw = torch.randn(2, 4, 8)  # not to.pow(2).sum(): the sum of squares of a LayerNorm's output is nearly constant
(to * tw).sum().backward()
out["probe3.tr_src"], out["probe3.tr_tgt"], out["probe3.tr_w"], out["probe3.tr_out"] = ts, tt, tw, to.detach()
save_grads("probe3.tr.grad.", tr)

# (m) var and std over several dimensions with keepdim, as AdaIN and ActNorm call them
vsx = torch.randn(2, 3, 4) * 3 + 10
out["probe4.vs_x"] = vsx
out["probe4.var02"] = vsx.var(dim=(0, 2), keepdim=False)
out["probe4.std02k"] = vsx.std(dim=(0, 2), keepdim=True)
out["probe4.var_last_k"] = vsx.var(dim=(-1,), keepdim=True)

# (n) pretrained embeddings with a padding row: from_pretrained(w, freeze=False, padding_idx=0) keeps the given row 0
#     (no zeroing) and gives it no gradient; max_norm renormalizes the looked-up rows in place
torch.manual_seed(23)
pre = torch.randn(5, 3)
emb = nn.Embedding.from_pretrained(pre.clone(), freeze=False, padding_idx=0)
ids = torch.tensor([[0, 2, 4], [1, 0, 2]])
ev = emb(ids)
(ev * torch.arange(18.).view(2, 3, 3)).sum().backward()
out["probe4.emb_w"], out["probe4.emb_out"], out["probe4.emb_grad"] = pre, ev.detach(), emb.weight.grad
emn = nn.Embedding.from_pretrained(pre.clone(), max_norm=1.0)
out["probe4.emb_maxnorm_out"], out["probe4.emb_maxnorm_w"] = emn(ids), emn.weight.detach().clone()

# (o) PINN activations: u = lin2(act(lin1(x))), u_x, u_xx, u_xxx by autograd.grad with create_graph, then the
#     gradient of sum(u_xxx^2) to the weights (a fourth derivative of each activation), and a LayerNorm'd variant
#     PyTorch's fused layer_norm and batch_norm give wrong third derivatives (their double backward treats the saved
#     mean and invstd as constants: pytorch/pytorch#175754 and #186256, still so in 2.x), so the expected values for
#     the normalizations come from the same formulas written with mean, var and sqrt, and PyTorch's fused answer is
#     saved beside them as *.fused to show the difference
def ln_composed(v):
    m = v.mean(-1, keepdim=True)
    return (v - m) / torch.sqrt(((v - m) ** 2).mean(-1, keepdim=True) + 1e-5)


def bn_composed(v):
    m = v.mean(0, keepdim=True)
    return (v - m) / torch.sqrt(((v - m) ** 2).mean(0, keepdim=True) + 1e-5)


acts = {"gelu": F.gelu, "gelu_tanh": lambda v: F.gelu(v, approximate="tanh"), "silu": F.silu,
        "softplus2": lambda v: F.softplus(v, beta=2.0), "elu": F.elu, "sigmoid": torch.sigmoid, "mish": F.mish,
        "layernorm_tanh": lambda v: torch.tanh(ln_composed(v)),
        "layernorm_tanh.fused": lambda v: torch.tanh(F.layer_norm(v, (6,))),
        "batchnorm_tanh": lambda v: torch.tanh(bn_composed(torch.tanh(v))),  # tanh first: not shift invariant in x
        "batchnorm_tanh.fused": lambda v: torch.tanh(F.batch_norm(torch.tanh(v), None, None, training=True))}
torch.manual_seed(24)
lin1, lin2 = nn.Linear(1, 6), nn.Linear(6, 1)
save_state("probe5.lin1.", lin1)
save_state("probe5.lin2.", lin2)
ax = torch.linspace(-1.5, 1.5, 7).unsqueeze(1)
out["probe5.x"] = ax
for name, act in acts.items():
    lin1.zero_grad()
    lin2.zero_grad()
    xx = ax.clone().requires_grad_(True)
    u = lin2(act(lin1(xx)))
    d1 = torch.autograd.grad(u.sum(), xx, create_graph=True)[0]
    d2 = torch.autograd.grad(d1.sum(), xx, create_graph=True)[0]
    d3 = torch.autograd.grad(d2.sum(), xx, create_graph=True)[0]
    d3.pow(2).sum().backward()
    out["probe5." + name + ".d3"] = d3.detach()
    out["probe5." + name + ".g1"] = lin1.weight.grad.clone()
    out["probe5." + name + ".g2"] = lin2.weight.grad.clone()

torch.save(out, "programs4.pt")
print(len(out), "entries")
