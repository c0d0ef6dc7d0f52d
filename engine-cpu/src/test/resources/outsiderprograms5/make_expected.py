"""Expected values for OutsiderPrograms5Test (session 30's outsider pass, round 5): programs people port today, run here
in float64 from PyTorch's initial weights and fixed data, which are saved beside the losses, gradients of named
parameters after the first backward, parameters after the last step and outputs, so that Ember runs the same steps from
the same numbers:
  llama.*  a LLaMA-style decoder written as Meta's reference model.py: RMSNorm by hand, rotary embeddings through
           precompute_freqs_cis (torch.polar) and apply_rotary_emb (view_as_complex / view_as_real / flatten(3)),
           grouped-query attention (the k/v heads repeated as repeat_kv, i.e. repeat_interleave on the head dim), a
           causal mask, SwiGLU MLP, tied nothing, next-token cross entropy, AdamW(betas=(0.9, 0.95), wd 0.1); then a
           greedy decode with a KV cache (slice assignment into preallocated caches, freqs_cis[start_pos:...])
  audio.*  an audio classifier: a learnable pre-emphasis Conv1d, stft with a Hann window (return_complex=True), power
           spectrogram abs().pow(2), a mel filterbank (torchaudio's HTK formula, written out) by matmul, log(1e-6 + .),
           a small CNN (Conv2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d), cross entropy, SGD(momentum, nesterov,
           weight_decay); an istft round trip; a spectral-mask enhancer (complex spectrum times sigmoid(mask), istft,
           L1 against the clean signal)
  cplx.*   complex parameters: RotatE knowledge-graph embeddings (complex entity table, relation phases through
           torch.polar, |h r - t| summed, self-adversarial negative sampling with logsigmoid) trained with Adam, and a
           complex-weight MLP (x @ W.T + b on complex tensors, CReLU) trained with AdamW(amsgrad=True)
  ssm.*    a Mamba-like selective SSM: in_proj, causal depthwise Conv1d, softplus dt, A = -exp(A_log), the scan written
           in parallel with cumsum, a masked segment sum (masked_fill -inf, exp) and a sum, D skip, silu gate, RMSNorm,
           Adam; the same scan as a Python loop checked against it
  clip.*   a CLIP-style contrastive step: image tower (Conv2d), text tower (Embedding + learned positions + LayerNorm,
           pooled at text.argmax(-1) as CLIP's EOT pooling), F.normalize, learnable logit_scale.exp(), symmetric cross
           entropy, AdamW with open_clip's two parameter groups (no decay for gains, biases, logit_scale), a warmup
           LambdaLR, and logit_scale.clamp_(0, log 100) under no_grad after each step
  probe.*  S4D (a complex Vandermonde kernel by einsum, FFT convolution), every optimizer on a complex parameter
           (NAdam as 2.x computes it: 1.13's has an extra factor mu in mu_product_next, fixed in 2.0), L-BFGS and
           clip_grad_norm_ over complex gradients, torchaudio's amplitude_to_DB with top_db, a SpecAugment-style mask,
           stft/istft variants, Meta's top-p filtering, nn.Linear modules converted to complex128, ComplEx-N3 with
           Adagrad, torchaudio's phase_vocoder and griffinlim
  *.f32.*  the LLaMA model's and the audio classifier's first forward and backward again in float32 from the same
           weights (the LLaMA one as Meta's code runs: the rotary product in float32 through .float() and type_as)
Where PyTorch 2.x is needed (scaled_dot_product_attention, nn.RMSNorm): this file writes them out (the causal mask added
to the scores, the RMSNorm formula), which is what 2.x computes; the Java test runs Ember's fused calls against them too.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs5.pt (a dict of tensors).
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


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None):
    """steps optimizer steps of forward() -> (output, loss): first(output) and the gradients after the first backward,
    the losses, and the parameters after the last step, under prefix."""
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward()
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0.", model)
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. LLaMA ------------------------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        output = self._norm(x.float() if FLOAT_ROTARY else x).type_as(x)
        return output * self.weight


FLOAT_ROTARY = False  # Meta's .float(): in the float64 run it would drop to float32, so it is used in the f32 run only


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].to(DT) / dim))
    t = torch.arange(end, device=freqs.device)
    freqs = torch.outer(t, freqs).to(DT)
    return torch.polar(torch.ones_like(freqs), freqs)


def reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex((xq.float() if FLOAT_ROTARY else xq).reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex((xk.float() if FLOAT_ROTARY else xk).reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


def repeat_kv(x, n_rep):
    return torch.repeat_interleave(x, n_rep, dim=2)


DIM, N_HEADS, N_KV, VOCAB, N_LAYERS, MAX_SEQ, MAX_BATCH = 16, 4, 2, 11, 2, 12, 2
HEAD_DIM = DIM // N_HEADS
DT = torch.float64


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.n_rep = N_HEADS // N_KV
        self.wq = nn.Linear(DIM, N_HEADS * HEAD_DIM, bias=False)
        self.wk = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.wv = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.wo = nn.Linear(N_HEADS * HEAD_DIM, DIM, bias=False)
        self.cache_k = None
        self.cache_v = None

    def forward(self, x, start_pos, freqs_cis, mask, use_cache=False):
        bsz, seqlen, _ = x.shape
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
        xq = xq.view(bsz, seqlen, N_HEADS, HEAD_DIM)
        xk = xk.view(bsz, seqlen, N_KV, HEAD_DIM)
        xv = xv.view(bsz, seqlen, N_KV, HEAD_DIM)
        xq, xk = apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)
        if use_cache:
            self.cache_k = self.cache_k.to(xq)
            self.cache_v = self.cache_v.to(xq)
            self.cache_k[:bsz, start_pos: start_pos + seqlen] = xk
            self.cache_v[:bsz, start_pos: start_pos + seqlen] = xv
            keys = self.cache_k[:bsz, : start_pos + seqlen]
            values = self.cache_v[:bsz, : start_pos + seqlen]
        else:
            keys, values = xk, xv
        keys = repeat_kv(keys, self.n_rep)
        values = repeat_kv(values, self.n_rep)
        xq = xq.transpose(1, 2)
        keys = keys.transpose(1, 2)
        values = values.transpose(1, 2)
        scores = torch.matmul(xq, keys.transpose(2, 3)) / math.sqrt(HEAD_DIM)
        if mask is not None:
            scores = scores + mask
        scores = F.softmax(scores.float() if FLOAT_ROTARY else scores, dim=-1).type_as(xq)
        output = torch.matmul(scores, values)
        output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
        return self.wo(output)


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim, multiple_of):
        super().__init__()
        hidden_dim = int(2 * hidden_dim / 3)
        hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.feed_forward = FeedForward(DIM, 4 * DIM, 8)
        self.attention_norm = RMSNorm(DIM)
        self.ffn_norm = RMSNorm(DIM)

    def forward(self, x, start_pos, freqs_cis, mask, use_cache=False):
        h = x + self.attention(self.attention_norm(x), start_pos, freqs_cis, mask, use_cache)
        return h + self.feed_forward(self.ffn_norm(h))


class Llama(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_embeddings = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList([TransformerBlock() for _ in range(N_LAYERS)])
        self.norm = RMSNorm(DIM)
        self.output = nn.Linear(DIM, VOCAB, bias=False)
        self.freqs_cis = precompute_freqs_cis(HEAD_DIM, MAX_SEQ * 2)

    def forward(self, tokens, start_pos=0, use_cache=False):
        bsz, seqlen = tokens.shape
        h = self.tok_embeddings(tokens)
        freqs_cis = self.freqs_cis[start_pos: start_pos + seqlen]
        mask = None
        if seqlen > 1:
            mask = torch.full((seqlen, seqlen), float("-inf"))
            mask = torch.triu(mask, diagonal=1)
            mask = torch.hstack([torch.zeros((seqlen, start_pos)), mask]).type_as(h)
        for layer in self.layers:
            h = layer(h, start_pos, freqs_cis, mask, use_cache)
        return self.output(self.norm(h)).float() if FLOAT_ROTARY else self.output(self.norm(h))


torch.manual_seed(0)
llama = Llama()
save_state("llama.init.", llama)
out["llama.freqs_cis"] = llama.freqs_cis.clone()
tokens = torch.randint(0, VOCAB, (2, 7))
out["llama.tokens"] = tokens
inp, tgt = tokens[:, :-1], tokens[:, 1:]


def llama_step():
    logits = llama(inp)
    return logits, F.cross_entropy(logits.reshape(-1, VOCAB), tgt.reshape(-1))


train("llama.", llama, torch.optim.AdamW(llama.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1), 4,
      llama_step, lambda y: out.__setitem__("llama.logits0", y.detach().clone()))
# greedy decoding with a KV cache from the trained weights: a 3-token prompt per row, then 4 new tokens
with torch.no_grad():
    for layer in llama.layers:
        layer.attention.cache_k = torch.zeros(MAX_BATCH, MAX_SEQ, N_KV, HEAD_DIM)
        layer.attention.cache_v = torch.zeros(MAX_BATCH, MAX_SEQ, N_KV, HEAD_DIM)
    seq = tokens[:, :3].clone()
    prev = 0
    step_logits = []
    for cur in range(3, 7):
        lg = llama(seq[:, prev:cur], prev, use_cache=True)[:, -1]
        step_logits.append(lg)
        seq = torch.cat([seq, lg.argmax(-1, keepdim=True)], 1)
        prev = cur
    out["llama.gen.tokens"] = seq
    out["llama.gen.logits"] = torch.stack(step_logits, 1)
    out["llama.gen.full_logits"] = llama(seq[:, :-1])[:, 2:]  # the same logits without the cache
# float32, Meta's casts: the first forward and backward from the initial weights
FLOAT_ROTARY = True
DT = torch.float32
l32 = Llama().float()
l32.load_state_dict({k[len("llama.init."):]: v for k, v in out.items() if k.startswith("llama.init.")})
loss = F.cross_entropy(l32(inp).reshape(-1, VOCAB), tgt.reshape(-1))
loss.backward()
out["llama.f32.loss"] = loss.detach().clone()
save_grads("llama.f32.grad.", l32)
FLOAT_ROTARY = False
DT = torch.float64


# 2. audio ------------------------------------------------------------------------------------------------------------
SR, N_FFT, HOP, N_MELS, N_SAMPLES = 8000, 64, 16, 12, 400


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate):
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs)
    m_pts = torch.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
    f_pts = 700.0 * (10 ** (m_pts / 2595.0) - 1.0)
    f_diff = f_pts[1:] - f_pts[:-1]
    slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1)
    down = (-1.0 * slopes[:, :-2]) / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return torch.max(torch.zeros(1), torch.min(down, up))  # [n_freqs, n_mels]


class AudioNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.pre = nn.Conv1d(1, 1, 2, bias=False)
        with torch.no_grad():
            self.pre.weight.copy_(torch.tensor([[[-0.97, 1.0]]]))
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)
        self.register_buffer("fb", melscale_fbanks(N_FFT // 2 + 1, 0.0, SR / 2, N_MELS, SR), persistent=False)
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3))

    def features(self, wav):
        x = self.pre(wav.unsqueeze(1)).squeeze(1)
        spec = torch.stft(x, N_FFT, hop_length=HOP, window=self.window, return_complex=True)
        power = spec.abs().pow(2)
        mel = torch.matmul(self.fb.transpose(0, 1), power)
        return torch.log(1e-6 + mel)

    def forward(self, wav):
        return self.cnn(self.features(wav).unsqueeze(1))


torch.manual_seed(1)
t = torch.arange(N_SAMPLES) / SR
labels = torch.tensor([0, 1, 2, 1, 0, 2])
freqs_hz = torch.tensor([300.0, 1200.0, 2500.0])[labels]
wav = torch.sin(2 * math.pi * freqs_hz.unsqueeze(1) * t) + 0.3 * torch.randn(6, N_SAMPLES)
wav[1, 100:180] = 0.0  # silence: after the pre-emphasis one frame (samples 112-175) is all zeros, |0| in the spectrum
out["audio.wav"] = wav
out["audio.labels"] = labels
net = AudioNet()
save_state("audio.init.", net)
out["audio.fb"] = net.fb.clone()
out["audio.window"] = net.window.clone()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
losses = []
for step in range(3):
    opt.zero_grad()
    w = wav.clone().requires_grad_(step == 0)
    logits = net(w)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    if step == 0:
        out["audio.logmel0"] = net.features(wav).detach().clone()
        out["audio.logits0"] = logits.detach().clone()
        out["audio.wav_grad0"] = w.grad.clone()
        save_grads("audio.grad0.", net)
    opt.step()
    losses.append(loss.item())
out["audio.loss"] = torch.tensor(losses)
save_state("audio.final.", net)
net.eval()
with torch.no_grad():
    out["audio.eval_logits"] = net(wav).clone()
# istft round trip, and its gradient
win = torch.hann_window(N_FFT)
w = wav[:2].clone().requires_grad_(True)
spec = torch.stft(w, N_FFT, hop_length=HOP, window=win, return_complex=True)
rec = torch.istft(spec, N_FFT, hop_length=HOP, window=win, length=N_SAMPLES)
out["audio.istft.rec"] = rec.detach().clone()
weights = torch.randn(2, N_SAMPLES)
out["audio.istft.weights"] = weights
(rec * weights).sum().backward()
out["audio.istft.grad"] = w.grad.clone()
# spectral-mask enhancer: noisy -> stft -> spec * sigmoid(mask) -> istft, L1 against the clean signal, Adam
clean = torch.sin(2 * math.pi * 440.0 * t).unsqueeze(0).repeat(2, 1)
noisy = clean + 0.5 * torch.randn(2, N_SAMPLES)
out["audio.enh.clean"], out["audio.enh.noisy"] = clean, noisy
mask = nn.Parameter(torch.zeros(N_FFT // 2 + 1, 1))
opt = torch.optim.Adam([mask], lr=0.1)
losses = []
for step in range(3):
    opt.zero_grad()
    spec = torch.stft(noisy, N_FFT, hop_length=HOP, window=win, return_complex=True)
    est = torch.istft(spec * torch.sigmoid(mask), N_FFT, hop_length=HOP, window=win, length=N_SAMPLES)
    loss = F.l1_loss(est, clean)
    loss.backward()
    if step == 0:
        out["audio.enh.grad0"] = mask.grad.clone()
    opt.step()
    losses.append(loss.item())
out["audio.enh.loss"] = torch.tensor(losses)
out["audio.enh.final"] = mask.detach().clone()
# float32: the classifier's first forward and backward
n32 = AudioNet().float()
n32.load_state_dict({k[len("audio.init."):]: v for k, v in out.items() if k.startswith("audio.init.")})
loss = F.cross_entropy(n32(wav.float()), labels)
loss.backward()
out["audio.f32.loss"] = loss.detach().clone()
save_grads("audio.f32.grad.", n32)


# 3. complex parameters -----------------------------------------------------------------------------------------------
class RotatE(nn.Module):
    def __init__(self, n_ent=6, n_rel=3, d=4, gamma=6.0):
        super().__init__()
        self.gamma = gamma
        self.ent = nn.Parameter(torch.randn(n_ent, d, dtype=torch.complex128) * 0.7)
        self.phase = nn.Parameter((torch.rand(n_rel, d) * 2 - 1) * math.pi)

    def score(self, h, r, t):
        rot = torch.polar(torch.ones_like(self.phase[r]), self.phase[r])
        return self.gamma - (self.ent[h] * rot - self.ent[t]).abs().sum(-1)

    def forward(self, pos, neg_t, alpha=1.0):
        h, r, t = pos[:, 0], pos[:, 1], pos[:, 2]
        pos_score = self.score(h, r, t)
        neg_score = self.score(h.unsqueeze(1), r.unsqueeze(1), neg_t)
        adv = F.softmax(neg_score * alpha, dim=1).detach()
        return -F.logsigmoid(pos_score).mean() - (adv * F.logsigmoid(-neg_score)).sum(1).mean()


torch.manual_seed(2)
kg = RotatE()
save_state("cplx.rotate.init.", kg)
pos = torch.tensor([[0, 0, 1], [1, 1, 2], [2, 2, 3], [3, 0, 4], [4, 1, 5]])
neg_t = torch.randint(0, 6, (5, 3))
out["cplx.rotate.pos"], out["cplx.rotate.neg"] = pos, neg_t
opt = torch.optim.Adam(kg.parameters(), lr=0.05)
train("cplx.rotate.", kg, opt, 4, lambda: (None, kg(pos, neg_t)))
out["cplx.rotate.exp_avg.ent"] = opt.state[kg.ent]["exp_avg"].clone()
out["cplx.rotate.exp_avg_sq.ent"] = opt.state[kg.ent]["exp_avg_sq"].clone()


class ComplexLinear(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, dtype=torch.complex128) / math.sqrt(2 * n_in))
        self.bias = nn.Parameter(torch.randn(n_out, dtype=torch.complex128) * 0.1)

    def forward(self, x):
        return x @ self.weight.T + self.bias


def crelu(z):
    return torch.complex(F.relu(z.real), F.relu(z.imag))


class ComplexMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = ComplexLinear(5, 6)
        self.fc2 = ComplexLinear(6, 2)

    def forward(self, x):
        return self.fc2(crelu(self.fc1(x)))


torch.manual_seed(3)
mlp = ComplexMLP()
save_state("cplx.mlp.init.", mlp)
x = torch.randn(8, 5, dtype=torch.complex128)
target = torch.randn(8, 2, dtype=torch.complex128)
out["cplx.mlp.x"], out["cplx.mlp.target"] = x, target
# PyTorch 2.x's AdamW steps a complex parameter as its real view (view_as_real of the parameter, gradient and every
# state tensor, max_exp_avg_sq included); 1.13 refuses amsgrad on complex ("maximum not implemented for complex
# tensors"), so the 2.x update is run here on real shadows of the parameters: AdamW over view_as_real copies whose
# gradients are view_as_real of the complex gradients, copied back after each step.
shadows = [torch.view_as_real(p.detach()).clone().requires_grad_(True) for p in mlp.parameters()]
opt = torch.optim.AdamW(shadows, lr=0.05, weight_decay=0.05, amsgrad=True)
losses = []
for step in range(4):
    mlp.zero_grad()
    y = mlp(x)
    loss = (y - target).abs().pow(2).mean()
    loss.backward()
    if step == 0:
        out["cplx.mlp.y0"] = y.detach().clone()
        save_grads("cplx.mlp.grad0.", mlp)
    for p, s in zip(mlp.parameters(), shadows):
        s.grad = torch.view_as_real(p.grad).clone()
    opt.step()
    with torch.no_grad():
        for p, s in zip(mlp.parameters(), shadows):
            p.copy_(torch.view_as_complex(s))
    losses.append(loss.item())
out["cplx.mlp.loss"] = torch.tensor(losses)
save_params("cplx.mlp.final.", mlp)
out["cplx.mlp.max_exp_avg_sq.fc1.weight"] = torch.view_as_complex(opt.state[shadows[0]]["max_exp_avg_sq"]).clone()


# 4. selective SSM ----------------------------------------------------------------------------------------------------
class SelectiveSSM(nn.Module):
    def __init__(self, d=4, n=3, dt_rank=2, k=3):
        super().__init__()
        self.n, self.dt_rank, self.k = n, dt_rank, k
        self.norm = RMSNorm(d, eps=1e-5)
        self.in_proj = nn.Linear(d, 2 * d)
        self.conv1d = nn.Conv1d(d, d, k, groups=d, padding=k - 1)
        self.x_proj = nn.Linear(d, dt_rank + 2 * n, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1).to(torch.float64).repeat(d, 1)))
        self.D = nn.Parameter(torch.ones(d))
        self.out_proj = nn.Linear(d, d)

    def ssm_params(self, u):
        L = u.size(1)
        x, z = self.in_proj(self.norm(u)).chunk(2, dim=-1)
        x = F.silu(self.conv1d(x.transpose(1, 2))[..., :L].transpose(1, 2))
        dt, Bm, Cm = self.x_proj(x).split([self.dt_rank, self.n, self.n], dim=-1)
        dt = F.softplus(self.dt_proj(dt))                         # [B, L, d]
        A = -torch.exp(self.A_log)                                # [d, n]
        dA = dt.unsqueeze(-1) * A                                 # [B, L, d, n] (log of the decay)
        dBx = dt.unsqueeze(-1) * Bm.unsqueeze(2) * x.unsqueeze(-1)
        return x, z, dA, dBx, Cm

    def finish(self, u, x, z, h, Cm):
        y = (h * Cm.unsqueeze(2)).sum(-1) + x * self.D
        return u + self.out_proj(y * F.silu(z))

    def forward(self, u):
        x, z, dA, dBx, Cm = self.ssm_params(u)
        L = u.size(1)
        cs = torch.cumsum(dA, dim=1)
        seg = cs.unsqueeze(2) - cs.unsqueeze(1)                   # [B, t, s, d, n]: decay from s to t
        causal = torch.tril(torch.ones(L, L, dtype=torch.bool))
        seg = seg.masked_fill(~causal[:, :, None, None], float("-inf"))
        h = (torch.exp(seg) * dBx.unsqueeze(1)).sum(2)             # [B, L, d, n]
        return self.finish(u, x, z, h, Cm)

    def forward_loop(self, u):
        x, z, dA, dBx, Cm = self.ssm_params(u)
        h = torch.zeros_like(dBx[:, 0])
        hs = []
        for i in range(u.size(1)):
            h = torch.exp(dA[:, i]) * h + dBx[:, i]
            hs.append(h)
        return self.finish(u, x, z, torch.stack(hs, 1), Cm)


class SSMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(1, 4)
        self.layers = nn.ModuleList([SelectiveSSM(), SelectiveSSM()])
        self.head = nn.Linear(4, 1)

    def forward(self, x, loop=False):
        h = self.inp(x)
        for layer in self.layers:
            h = layer.forward_loop(h) if loop else layer(h)
        return self.head(h)


torch.manual_seed(4)
ssm = SSMNet()
save_state("ssm.init.", ssm)
series = torch.sin(torch.linspace(0, 6, 11)).unsqueeze(0) * torch.tensor([[1.0], [0.5], [-0.8]]) \
    + 0.05 * torch.randn(3, 11)
xs, ys = series[:, :-1].unsqueeze(-1), series[:, 1:].unsqueeze(-1)
out["ssm.x"], out["ssm.y"] = xs, ys


def ssm_first(pred):
    out["ssm.pred0"] = pred.detach().clone()
    assert torch.allclose(pred, ssm(xs, loop=True), rtol=1e-12, atol=1e-13)


train("ssm.", ssm, torch.optim.Adam(ssm.parameters(), lr=5e-3), 4, lambda: (lambda p: (p, F.mse_loss(p, ys)))(ssm(xs)),
      ssm_first)


# 5. CLIP -------------------------------------------------------------------------------------------------------------
class Clip(nn.Module):
    def __init__(self, embed=6, width=8, vocab=12, ctx=5):
        super().__init__()
        self.visual = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1), nn.GELU(), nn.AdaptiveAvgPool2d(1),
                                    nn.Flatten(), nn.Linear(width, embed))
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Parameter(torch.randn(ctx, width) * 0.01)
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.randn(width, embed) * width ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def encode_text(self, text):
        x = self.token_embedding(text) + self.positional_embedding
        x = self.ln_final(torch.tanh(x))
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection

    def forward(self, image, text):
        image_features = F.normalize(self.visual(image), dim=-1)
        text_features = F.normalize(self.encode_text(text), dim=-1)
        return image_features, text_features, self.logit_scale.exp()


def clip_loss(image_features, text_features, logit_scale):
    logits_per_image = logit_scale * image_features @ text_features.T
    logits_per_text = logit_scale * text_features @ image_features.T
    labels = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2


torch.manual_seed(5)
clip = Clip()
save_state("clip.init.", clip)
images = torch.randn(4, 3, 8, 8)
text = torch.tensor([[3, 5, 11, 0, 0], [4, 11, 0, 0, 0], [2, 7, 9, 11, 0], [6, 8, 11, 0, 0]])  # 11: end of text
out["clip.images"], out["clip.text"] = images, text
exclude = lambda n, p: p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
named = list(clip.named_parameters())
gain_or_bias = [p for n, p in named if exclude(n, p) and p.requires_grad]
rest = [p for n, p in named if not exclude(n, p) and p.requires_grad]
opt = torch.optim.AdamW([{"params": gain_or_bias, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.2}],
                        lr=0.3, betas=(0.9, 0.98), eps=1e-6)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 2))
losses, scales, lrs = [], [], []
for step in range(5):
    opt.zero_grad()
    fi, ft, scale = clip(images, text)
    loss = clip_loss(fi, ft, scale)
    loss.backward()
    if step == 0:
        out["clip.logits0"] = (scale * fi @ ft.T).detach().clone()
        save_grads("clip.grad0.", clip)
    opt.step()
    sched.step()
    with torch.no_grad():
        clip.logit_scale.clamp_(0, math.log(100))
    losses.append(loss.item())
    scales.append(clip.logit_scale.item())
    lrs.append(opt.param_groups[0]["lr"])
out["clip.loss"] = torch.tensor(losses)
out["clip.logit_scale"] = torch.tensor(scales)
out["clip.lr"] = torch.tensor(lrs)
save_params("clip.final.", clip)


# 6. probes: what these users vary next --------------------------------------------------------------------------------
# probe.s4d: the state-spaces repository's standalone S4D (s4d.py) in float64: C a real parameter viewed as complex,
# A = -exp(log_A_real) + 1j * A_imag, a Vandermonde kernel by einsum over complex exp, .real, an FFT convolution
# (rfft/irfft with n=2L), D skip, GELU, a 1x1 Conv1d to 2H with GLU over channels; Adam
class S4DKernel(nn.Module):
    def __init__(self, H, N=4, dt_min=0.001, dt_max=0.1):
        super().__init__()
        log_dt = torch.rand(H) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        C = torch.randn(H, N // 2, dtype=torch.cdouble)
        self.C = nn.Parameter(torch.view_as_real(C))
        self.log_dt = nn.Parameter(log_dt)
        self.log_A_real = nn.Parameter(torch.log(0.5 * torch.ones(H, N // 2)))
        self.A_imag = nn.Parameter(math.pi * torch.arange(N // 2).to(torch.float64).repeat(H, 1))

    def forward(self, L):
        dt = torch.exp(self.log_dt)
        C = torch.view_as_complex(self.C)
        A = -torch.exp(self.log_A_real) + 1j * self.A_imag
        dtA = A * dt.unsqueeze(-1)
        K = dtA.unsqueeze(-1) * torch.arange(L)
        C = C * (torch.exp(dtA) - 1.) / A
        return 2 * torch.einsum('hn, hnl -> hl', C, torch.exp(K)).real


class S4D(nn.Module):
    def __init__(self, H=3):
        super().__init__()
        self.D = nn.Parameter(torch.randn(H))
        self.kernel = S4DKernel(H)
        self.activation = nn.GELU()
        self.output_linear = nn.Sequential(nn.Conv1d(H, 2 * H, kernel_size=1), nn.GLU(dim=-2))

    def forward(self, u):
        L = u.size(-1)
        k = self.kernel(L=L)
        k_f = torch.fft.rfft(k, n=2 * L)
        u_f = torch.fft.rfft(u, n=2 * L)
        y = torch.fft.irfft(u_f * k_f, n=2 * L)[..., :L]
        y = y + u * self.D.unsqueeze(-1)
        return self.output_linear(self.activation(y))


torch.manual_seed(6)
s4d = S4D()
save_state("probe.s4d.init.", s4d)
u = torch.randn(2, 3, 8)
target = torch.randn(2, 3, 8)
out["probe.s4d.u"], out["probe.s4d.target"] = u, target


def s4d_first(y):
    out["probe.s4d.kernel0"] = s4d.kernel(8).detach().clone()
    out["probe.s4d.y0"] = y.detach().clone()


train("probe.s4d.", s4d, torch.optim.Adam(s4d.parameters(), lr=1e-2), 3,
      lambda: (lambda y: (y, F.mse_loss(y, target)))(s4d(u)), s4d_first)

# probe.copt.*: every optimizer on a complex parameter as PyTorch 2.x steps it (its real view; 1.13 lacks several, so
# the update runs on a real shadow as above), three steps each on |A w - b|^2 + 0.1 |w|^4, then clip_grad_norm_ over
# complex gradients (2.x: vector_norm of the complex gradients)
torch.manual_seed(7)
A = torch.randn(4, 3, dtype=torch.cdouble)
b = torch.randn(4, 2, dtype=torch.cdouble)
w0 = torch.randn(3, 2, dtype=torch.cdouble)
out["probe.copt.A"], out["probe.copt.b"], out["probe.copt.w0"] = A, b, w0


def copt_loss(w):
    return (A @ w - b).abs().pow(2).sum() + 0.1 * w.abs().pow(4).sum()


class NAdam2x:
    """PyTorch 2.x's NAdam step (single tensor, no weight decay): 1.13's multiplies mu_product_next by mu once more
    (mu_product * mu * mu_next, fixed in 2.0) and keeps mu_product in float32."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3):
        self.params, self.lr, self.betas, self.eps, self.md = params, lr, betas, eps, momentum_decay
        self.state = [dict(step=0, mu_product=1.0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                      for p in params]

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        for p, st in zip(self.params, self.state):
            g = p.grad
            st["step"] += 1
            step = st["step"]
            bias_correction2 = 1 - b2 ** step
            mu = b1 * (1. - 0.5 * (0.96 ** (step * self.md)))
            mu_next = b1 * (1. - 0.5 * (0.96 ** ((step + 1) * self.md)))
            st["mu_product"] *= mu
            st["exp_avg"].lerp_(g, 1 - b1)
            st["exp_avg_sq"].mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = st["exp_avg_sq"].div(bias_correction2).sqrt().add_(self.eps)
            p.addcdiv_(g, denom, value=-self.lr * (1. - mu) / (1. - st["mu_product"]))
            p.addcdiv_(st["exp_avg"], denom, value=-self.lr * mu_next / (1. - st["mu_product"] * mu_next))


OPTS = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam_amsgrad": lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01, amsgrad=True),
    "adamax": lambda ps: torch.optim.Adamax(ps, lr=0.05),
    "nadam": lambda ps: NAdam2x(ps, lr=0.05),
    "radam": lambda ps: torch.optim.RAdam(ps, lr=0.05),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.01, momentum=0.5,
                                              centered=True),
    "adagrad": lambda ps: torch.optim.Adagrad(ps, lr=0.05),
    "rprop": lambda ps: torch.optim.Rprop(ps, lr=0.01),
    "asgd": lambda ps: torch.optim.ASGD(ps, lr=0.01),
}
for name, make in OPTS.items():
    w = w0.clone().requires_grad_(True)
    shadow = torch.view_as_real(w.detach()).clone().requires_grad_(True)
    opt = make([shadow])
    losses = []
    for step in range(3):
        w.grad = None
        loss = copt_loss(w)
        loss.backward()
        shadow.grad = torch.view_as_real(w.grad).clone()
        opt.step()
        with torch.no_grad():
            w.copy_(torch.view_as_complex(shadow))
        losses.append(loss.item())
    out["probe.copt." + name + ".loss"] = torch.tensor(losses)
    out["probe.copt." + name + ".w"] = w.detach().clone()
# L-BFGS (2.x flattens the real views of complex parameters): one step of 5 iterations
w = w0.clone().requires_grad_(True)
shadow = torch.view_as_real(w.detach()).clone().requires_grad_(True)
opt = torch.optim.LBFGS([shadow], lr=1, max_iter=5)


def closure():
    opt.zero_grad()
    w.grad = None
    with torch.no_grad():
        w.copy_(torch.view_as_complex(shadow))
    loss = copt_loss(w)
    loss.backward()
    shadow.grad = torch.view_as_real(w.grad).clone()
    return loss


out["probe.copt.lbfgs.loss"] = opt.step(closure).detach().clone()
out["probe.copt.lbfgs.w"] = torch.view_as_complex(shadow.detach()).clone()
# clip_grad_norm_ over a complex and a real gradient
w = w0.clone().requires_grad_(True)
r = torch.randn(3, requires_grad=True)
(copt_loss(w) + (r * r).sum() * (w.abs().sum())).backward()
out["probe.copt.clip.r"] = r.detach().clone()
out["probe.copt.clip.norm"] = torch.nn.utils.clip_grad_norm_([w, r], 1.0)
out["probe.copt.clip.w_grad"], out["probe.copt.clip.r_grad"] = w.grad.clone(), r.grad.clone()
out["probe.copt.clip.norm_inf"] = torch.linalg.vector_norm(torch.stack([w.grad.abs().max(), r.grad.abs().max()]), float("inf"))

# probe.audio.*: torchaudio's amplitude_to_DB(top_db=80) on power spectra with an all-zero frame, a SpecAugment-style
# frequency mask filled with the mean (masked_fill with a tensor value), and stft variants (win_length < n_fft,
# center=False, pad_mode constant, normalized, onesided=False), each with a gradient to the signal
def amplitude_to_db(x, multiplier=10.0, amin=1e-10, db_multiplier=0.0, top_db=80.0):
    x_db = multiplier * torch.log10(torch.clamp(x, min=amin))
    x_db = x_db - multiplier * db_multiplier
    shape = x_db.size()
    packed_channels = shape[-3] if x_db.dim() > 2 else 1
    x_db = x_db.reshape(-1, packed_channels, shape[-2], shape[-1])
    x_db = torch.max(x_db, (x_db.amax(dim=(-3, -2, -1)) - top_db).view(-1, 1, 1, 1))
    return x_db.reshape(shape)


w = wav[:2].clone()
w[1, 100:180] = 0.0
w.requires_grad_(True)
spec = torch.stft(w, N_FFT, hop_length=HOP, window=torch.hann_window(N_FFT), return_complex=True)
db = amplitude_to_db(spec.abs().pow(2))
band = (torch.arange(N_FFT // 2 + 1) >= 5) & (torch.arange(N_FFT // 2 + 1) < 9)
aug = db.masked_fill(band[:, None], db.mean())
weights = torch.randn(aug.shape)
out["probe.audio.wav"], out["probe.audio.weights"] = w.detach().clone(), weights
out["probe.audio.db"], out["probe.audio.aug"] = db.detach().clone(), aug.detach().clone()
(aug * weights).sum().backward()
out["probe.audio.grad"] = w.grad.clone()
VARIANTS = {
    "win48": dict(n_fft=64, hop_length=16, win_length=48, window=torch.hann_window(48)),
    "nocenter": dict(n_fft=64, hop_length=16, window=torch.hann_window(64), center=False),
    "constant": dict(n_fft=64, hop_length=20, window=torch.hann_window(64), pad_mode="constant"),
    "normalized": dict(n_fft=64, hop_length=16, window=torch.hamming_window(64), normalized=True),
    "twosided": dict(n_fft=32, hop_length=8, window=torch.hann_window(32), onesided=False),
}
for name, kw in VARIANTS.items():
    w = wav[:2].clone().requires_grad_(True)
    spec = torch.stft(w, return_complex=True, **kw)
    weights = torch.randn(spec.shape + (2,))
    (torch.view_as_real(spec) * weights).sum().backward()
    out["probe.stft." + name + ".spec"] = spec.detach().clone()
    out["probe.stft." + name + ".weights"] = weights
    out["probe.stft." + name + ".grad"] = w.grad.clone()
    if name in ("win48", "normalized", "constant"):
        kwi = {k: v for k, v in kw.items() if k != "pad_mode"}
        rec = torch.istft(spec, length=N_SAMPLES, **kwi)
        out["probe.stft." + name + ".rec"] = rec.detach().clone()

# probe.topp: Meta's sample_top_p up to the draw (sort, cumsum, a boolean mask assigned 0.0, div_, gather of the order)
torch.manual_seed(8)
logits = torch.randn(3, VOCAB) * 2
probs = torch.softmax(logits / 0.7, dim=-1)
probs_sort, probs_idx = torch.sort(probs, dim=-1, descending=True)
probs_sum = torch.cumsum(probs_sort, dim=-1)
mask = probs_sum - probs_sort > 0.8
probs_sort[mask] = 0.0
probs_sort.div_(probs_sort.sum(dim=-1, keepdim=True))
out["probe.topp.logits"], out["probe.topp.probs_sort"], out["probe.topp.probs_idx"] = logits, probs_sort, probs_idx
out["probe.topp.mask"] = mask

# probe.cx.*: a module of nn.Linear layers converted with .to(torch.complex128) (complex tanh between them) trained with
# Adam, and ComplEx-N3 link prediction (Re(<h, r, conj(t)>) against every entity by a matmul with E.conj().T, cross
# entropy, the N3 regularizer |.|^3) with Adagrad
class CNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 5)
        self.fc2 = nn.Linear(5, 2)

    def forward(self, z):
        return self.fc2(torch.tanh(self.fc1(z)))


torch.manual_seed(9)
cnet = CNet().to(torch.complex128)
save_state("probe.cx.net.init.", cnet)
z = torch.randn(6, 4, dtype=torch.cdouble)
target = torch.randn(6, 2, dtype=torch.cdouble)
out["probe.cx.net.z"], out["probe.cx.net.target"] = z, target
train("probe.cx.net.", cnet, torch.optim.Adam(cnet.parameters(), lr=0.05), 3,
      lambda: (None, (cnet(z) - target).abs().pow(2).mean()))


class ComplEx(nn.Module):
    def __init__(self, n_ent=5, n_rel=2, d=3):
        super().__init__()
        self.E = nn.Parameter(torch.randn(n_ent, d, dtype=torch.cdouble) * 0.5)
        self.R = nn.Parameter(torch.randn(n_rel, d, dtype=torch.cdouble) * 0.5)

    def forward(self, h, r, t):
        lhs, rel, rhs = self.E[h], self.R[r], self.E[t]
        scores = ((lhs * rel) @ self.E.conj().T).real
        reg = (lhs.abs() ** 3 + rel.abs() ** 3 + rhs.abs() ** 3).sum() / h.shape[0]
        return F.cross_entropy(scores, t) + 1e-2 * reg


torch.manual_seed(10)
cx = ComplEx()
save_state("probe.cx.complex.init.", cx)
h, r, t = torch.tensor([0, 1, 2, 3]), torch.tensor([0, 1, 0, 1]), torch.tensor([1, 2, 3, 4])
train("probe.cx.complex.", cx, torch.optim.Adagrad(cx.parameters(), lr=0.1), 3, lambda: (None, cx(h, r, t)))


# probe.pv / probe.gl: torchaudio's phase_vocoder (time stretch by 1.3: angle, abs, F.pad and index_select of a complex
# spectrum, round, cumsum, polar) and griffinlim (three iterations with momentum 0.99 from ones), written out as its
# source, with gradients to the signal and to the magnitudes
def phase_vocoder(complex_specgrams, rate, phase_advance):
    shape = complex_specgrams.size()
    complex_specgrams = complex_specgrams.reshape([-1] + list(shape[-2:]))
    real_dtype = torch.real(complex_specgrams).dtype
    time_steps = torch.arange(0, complex_specgrams.size(-1), rate, dtype=real_dtype)
    alphas = time_steps % 1.0
    phase_0 = complex_specgrams[..., :1].angle()
    complex_specgrams = torch.nn.functional.pad(complex_specgrams, [0, 2])
    complex_specgrams_0 = complex_specgrams.index_select(-1, time_steps.long())
    complex_specgrams_1 = complex_specgrams.index_select(-1, (time_steps + 1).long())
    angle_0 = complex_specgrams_0.angle()
    angle_1 = complex_specgrams_1.angle()
    norm_0 = complex_specgrams_0.abs()
    norm_1 = complex_specgrams_1.abs()
    phase = angle_1 - angle_0 - phase_advance
    phase = phase - 2 * math.pi * torch.round(phase / (2 * math.pi))
    phase = phase + phase_advance
    phase = torch.cat([phase_0, phase[..., :-1]], dim=-1)
    phase_acc = torch.cumsum(phase, -1)
    mag = alphas * norm_1 + (1 - alphas) * norm_0
    complex_specgrams_stretch = torch.polar(mag, phase_acc)
    return complex_specgrams_stretch.reshape(shape[:-2] + complex_specgrams_stretch.shape[1:])


win = torch.hann_window(N_FFT)
w = wav[:2].clone().requires_grad_(True)
spec = torch.stft(w, N_FFT, hop_length=HOP, window=win, return_complex=True)
phase_advance = torch.linspace(0, math.pi * HOP, N_FFT // 2 + 1)[..., None]
stretched = phase_vocoder(spec, 1.3, phase_advance)
weights = torch.randn(stretched.shape + (2,))
out["probe.pv.out"], out["probe.pv.weights"] = stretched.detach().clone(), weights
(torch.view_as_real(stretched) * weights).sum().backward()
out["probe.pv.grad"] = w.grad.clone()


def griffinlim(specgram, window, n_fft, hop_length, win_length, power, n_iter, momentum, length, rand_init):
    shape = specgram.size()
    specgram = specgram.reshape([-1] + list(shape[-2:]))
    specgram = specgram.pow(1 / power)
    angles = torch.full(specgram.size(), 1, dtype=torch.complex128)
    tprev = torch.tensor(0.0)
    for _ in range(n_iter):
        inverse = torch.istft(specgram * angles, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                              window=window, length=length)
        rebuilt = torch.stft(input=inverse, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                             center=True, pad_mode="reflect", normalized=False, onesided=True, return_complex=True)
        angles = rebuilt
        if momentum:
            angles = angles - tprev.mul_(momentum / (1 + momentum))
        angles = angles.div(angles.abs().add(1e-16))
        tprev = rebuilt
    waveform = torch.istft(specgram * angles, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                           window=window, length=length)
    return waveform.reshape(shape[:-2] + waveform.shape[-1:])


mag = torch.stft(wav[:2], N_FFT, hop_length=HOP, window=win, return_complex=True).abs().pow(2)
mag = mag.clone().requires_grad_(True)
gl = griffinlim(mag, win, N_FFT, HOP, N_FFT, 2.0, 3, 0.99, N_SAMPLES, False)
weights = torch.randn(gl.shape)
out["probe.gl.out"], out["probe.gl.weights"] = gl.detach().clone(), weights
(gl * weights).sum().backward()
out["probe.gl.grad"] = mag.grad.clone()

torch.save(out, "programs5.pt")
print(len(out), "tensors; losses:", {k: v.tolist() for k, v in out.items() if k.endswith(".loss") and v.dim() == 1})
print("logit_scale:", out["clip.logit_scale"].tolist())
