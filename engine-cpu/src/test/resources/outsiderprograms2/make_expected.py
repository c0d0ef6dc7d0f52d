"""Expected values for OutsiderPrograms2Test (session 25's fourth outsider pass): four programs of users the earlier
passes did not cover, run here with PyTorch's initial weights and data saved beside their outputs, losses and
gradients, so that Ember runs the same steps from the same numbers.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs2.pt (a dict of tensors) and
gpt2_bf16.safetensors / gpt2_f32.safetensors (a GPT-2-shaped decoder's weights as a Hugging Face checkpoint holds
them: Conv1D weights stored (in, out), the lm_head tied to wte and not written, metadata {"format": "pt"}). The
safetensors files are written by hand below (the format is an 8-byte little-endian header length, a JSON header and the
raw little-endian bytes), since this machine has no `safetensors` package.

Random draws that Ember cannot reproduce (Ember's generator is Philox, PyTorch's CPU generator mt19937) are drawn here
and saved: the sampled tokens of the decoder (Ember compares the probabilities each step and feeds PyTorch's token), the
WeightedRandomSampler's batches of the tabular program (Ember replays them through a Sampler of its own). Dropout is
kept in eval mode while the rest of the model trains (`model.drop.eval()`), so that the training runs compare.

Where 2.x differs from 1.13: F.scaled_dot_product_attention is 2.0's; 1.13 has none, so the decoder's attention is
written here as 2.x's documented math (softmax(q k^T / sqrt(E) + causal -inf mask) v, the mask
torch.ones(L, S).tril(0), top-left aligned), which is what 2.x computes on the CPU to rounding.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pin_cpu_kernels  # noqa: E402,F401  (before torch: see pin_cpu_kernels.py)

import torch
import torch.nn as nn
import torch.nn.functional as F

from refcases import safetensors_entries, write_safetensors  # noqa: E402

out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def write_safetensors_file(path, tensors, metadata):
    header, blobs = safetensors_entries(tensors, list(tensors))
    write_safetensors(path, json.dumps({"__metadata__": metadata, **header}, separators=(",", ":")), blobs)


# 1. Inference user: a GPT-2-shaped decoder (token + position embeddings, pre-norm blocks, causal attention, GELU tanh
# MLP, tied lm_head) loaded by name from a Hugging Face style safetensors file; greedy generation with a KV cache, then
# sampling with temperature, top-k and top-p. The bf16 checkpoint runs in float64 (bf16 values are exact there), the
# float32 checkpoint in float32.
V, C, NH, NL, NPOS = 29, 16, 2, 2, 32
def sdpa(q, k, v, attn_mask=None, is_causal=False):  # 2.x's F.scaled_dot_product_attention (1.13 has none)
    L, S = q.shape[-2], k.shape[-2]
    att = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        attn_mask = torch.ones(L, S, dtype=torch.bool).tril(0)
    if attn_mask is not None:
        att = att.masked_fill(~attn_mask, float("-inf"))
    p = torch.softmax(att, -1)
    if attn_mask is not None:  # 2.5+: a query row whose every key is masked gives zeros (_safe_softmax), not nan
        p = p.masked_fill(~attn_mask.any(-1, keepdim=True), 0.0)
    return p @ v
class Conv1D(nn.Module):  # Hugging Face's: y = x @ W + b with W stored (in, out)
    def __init__(s, nx, nf):
        super().__init__()
        s.weight = nn.Parameter(torch.randn(nx, nf) * 0.2)
        s.bias = nn.Parameter(torch.randn(nf) * 0.05)
    def forward(s, x):
        return torch.addmm(s.bias, x.reshape(-1, x.shape[-1]), s.weight).view(*x.shape[:-1], -1)
class Attn(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_attn, s.c_proj = Conv1D(C, 3 * C), Conv1D(C, C)
    def forward(s, x, past, mask, static=None):
        B, T, _ = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = [t.view(B, T, NH, C // NH).transpose(1, 2) for t in (q, k, v)]
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        if static is not None:  # a preallocated cache written in place, read through a view of its first t0 + T rows
            kc, vc, t0 = static
            kc[:, :, t0:t0 + T] = k
            vc[:, :, t0:t0 + T] = v
            k, v = kc[:, :, :t0 + T], vc[:, :, :t0 + T]
        y = sdpa(q, k, v, mask, is_causal=past is None and mask is None and T > 1)
        return s.c_proj(y.transpose(1, 2).reshape(B, T, C)), (k, v)
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln_1, s.attn, s.ln_2 = nn.LayerNorm(C), Attn(), nn.LayerNorm(C)
        s.mlp = nn.ModuleDict({"c_fc": Conv1D(C, 4 * C), "c_proj": Conv1D(4 * C, C)})
    def forward(s, x, past, mask, static=None):
        a, present = s.attn(s.ln_1(x), past, mask, static)
        x = x + a
        return x + s.mlp.c_proj(F.gelu(s.mlp.c_fc(s.ln_2(x)), approximate="tanh")), present
class GPT2(nn.Module):
    def __init__(s):
        super().__init__()
        s.transformer = nn.ModuleDict({"wte": nn.Embedding(V, C), "wpe": nn.Embedding(NPOS, C),
                                       "h": nn.ModuleList([Block() for _ in range(NL)]), "ln_f": nn.LayerNorm(C)})
        s.lm_head = nn.Linear(C, V, bias=False)
        s.lm_head.weight = s.transformer.wte.weight
    def forward(s, idx, past=None, pos=None, mask=None, static=None):
        t0 = 0 if past is None else past[0][0].shape[2]
        if static is not None:
            t0 = static[1]
        if pos is None:
            pos = torch.arange(t0, t0 + idx.shape[1])
        x = s.transformer.wte(idx) + s.transformer.wpe(pos)
        presents = []
        for i, blk in enumerate(s.transformer.h):
            x, p = blk(x, None if past is None else past[i], mask,
                       None if static is None else (static[0][i][0], static[0][i][1], static[1]))
            presents.append(p)
        return s.lm_head(s.transformer.ln_f(x)), presents
torch.manual_seed(21)
gpt = GPT2()
for m in gpt.modules():
    if isinstance(m, nn.LayerNorm):
        nn.init.uniform_(m.weight, 0.7, 1.3); nn.init.uniform_(m.bias, -0.1, 0.1)
nn.init.normal_(gpt.transformer.wte.weight, std=0.25); nn.init.normal_(gpt.transformer.wpe.weight, std=0.1)
state = {k: v for k, v in gpt.state_dict().items() if k != "lm_head.weight"}  # tied: HF files hold wte only
write_safetensors_file("gpt2_bf16.safetensors", {k: v.bfloat16() for k, v in state.items()}, {"format": "pt"})
write_safetensors_file("gpt2_f32.safetensors", state, {"format": "pt"})
# an older Hugging Face GPT-2 file: float16, with each block's causal-mask buffer "attn.bias" (bool [1, 1, NPOS, NPOS]),
# which the model no longer has: loaded with strict=False, those keys come back as unexpected
old_hf = {k: v.half() for k, v in state.items()}
for i in range(NL):
    old_hf["transformer.h.%d.attn.bias" % i] = torch.ones(NPOS, NPOS, dtype=torch.bool).tril().view(1, 1, NPOS, NPOS)
write_safetensors_file("gpt2_f16_old.safetensors", old_hf, {"format": "pt"})
prompt = torch.tensor([[3, 17, 5, 9, 1], [22, 4, 4, 11, 0]])
out["gpt_prompt"] = prompt


def greedy(model, steps):
    logits, past = model(prompt)
    seq, step_logits = prompt, [logits[:, -1]]
    for _ in range(steps):
        nxt = step_logits[-1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
        logits, past = model(nxt, past)
        step_logits.append(logits[:, -1])
    full, _ = model(seq)  # the cache agrees with a forward over the whole sequence
    assert torch.allclose(full[:, -1], step_logits[-1], atol=1e-5)
    return seq, torch.stack(step_logits, 1), full


def filtered_probs(logits, seq, penalty, temperature, top_k, top_p):
    score = torch.gather(logits, 1, seq)  # Hugging Face's repetition penalty over the tokens so far
    score = torch.where(score < 0, score * penalty, score / penalty)
    logits = logits.clone().scatter_(1, seq, score)
    logits = logits / temperature
    v, _ = torch.topk(logits, top_k)
    logits = logits.masked_fill(logits < v[:, [-1]], float("-inf"))
    sorted_logits, sorted_idx = torch.sort(logits, descending=True)
    cum = torch.cumsum(F.softmax(sorted_logits, -1), -1)
    remove = cum > top_p
    remove[:, 1:] = remove[:, :-1].clone()
    remove[:, 0] = False
    logits = logits.masked_fill(remove.scatter(1, sorted_idx, remove), float("-inf"))
    return F.softmax(logits, -1)


with torch.no_grad():
    g64 = GPT2().double()
    g64.load_state_dict({**{k: v.bfloat16().double() for k, v in state.items()},
                         "lm_head.weight": state["transformer.wte.weight"].bfloat16().double()})
    seq, steps, full = greedy(g64, 6)
    out["gpt_bf16_greedy_seq"], out["gpt_bf16_greedy_logits"], out["gpt_bf16_full_logits"] = seq, steps, full
    # the same greedy run with a static cache: preallocated [B, H, 11, hd] tensors written in place each step
    cache = [(torch.zeros(2, NH, 11, C // NH, dtype=torch.float64), torch.zeros(2, NH, 11, C // NH, dtype=torch.float64))
             for _ in range(NL)]
    logits, _ = g64(prompt, static=(cache, 0))
    seq, static_logits = prompt, [logits[:, -1]]
    for t in range(6):
        nxt = static_logits[-1].argmax(-1, keepdim=True)
        seq = torch.cat([seq, nxt], 1)
        logits, _ = g64(nxt, static=(cache, 5 + t))
        static_logits.append(logits[:, -1])
    out["gpt_static_logits"] = torch.stack(static_logits, 1)
    assert torch.allclose(out["gpt_static_logits"], steps, atol=1e-12)
    gen = torch.Generator().manual_seed(7)
    logits, past = g64(prompt)
    seq, probs = prompt, []
    for _ in range(5):
        p = filtered_probs(logits[:, -1], seq, 1.2, 1.3, 8, 0.9)
        nxt = torch.multinomial(p, 1, generator=gen)
        probs.append(p)
        seq = torch.cat([seq, nxt], 1)
        logits, past = g64(nxt, past)
    out["gpt_bf16_sample_seq"], out["gpt_bf16_sample_probs"] = seq, torch.stack(probs, 1)
    # batched prompts of different lengths, left-padded (pad 0), with Hugging Face's attention_mask and position ids
    am = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]])
    padded = torch.tensor([[3, 17, 5, 9, 1], [0, 0, 22, 4, 11]])
    out["gpt_pad_ids"], out["gpt_pad_mask"] = padded, am
    pos = (am.cumsum(-1) - 1).masked_fill(am == 0, 1)
    mask = torch.ones(5, 5, dtype=torch.bool).tril(0) & am.bool()[:, None, None, :]  # [B, 1, L, S]
    logits, past = g64(padded, None, pos, mask)
    out["gpt_pad_prefill_logits"] = logits
    assert torch.allclose(logits[1, 2:], g64(padded[1:, 2:])[0][0], atol=1e-12)  # the padding changes nothing
    seq, step_logits = padded, [logits[:, -1]]
    for _ in range(4):
        nxt = step_logits[-1].argmax(-1, keepdim=True)
        seq, am = torch.cat([seq, nxt], 1), torch.cat([am, torch.ones(2, 1, dtype=am.dtype)], 1)
        logits, past = g64(nxt, past, am.sum(-1, keepdim=True) - 1, am.bool()[:, None, None, :])
        step_logits.append(logits[:, -1])
    out["gpt_pad_seq"], out["gpt_pad_logits"] = seq, torch.stack(step_logits, 1)
    # the model run in bfloat16 itself (model.to(torch.bfloat16)): its logits over the greedy sequence, beside the
    # float64 ones; Ember's bf16 run is held to the float64 logits as closely as PyTorch's bf16 run is
    g16 = GPT2().bfloat16()
    g16.load_state_dict({**{k: v.bfloat16() for k, v in state.items()},
                         "lm_head.weight": state["transformer.wte.weight"].bfloat16()})
    out["gpt_bf16_run_logits"] = g16(out["gpt_bf16_greedy_seq"])[0]
    g16h = GPT2().double()
    missing, unexpected = g16h.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in old_hf.items()},
                                               strict=False)
    assert missing == ["lm_head.weight"] and len(unexpected) == NL  # torch's own load_state_dict; load_model ties it
    g16h.lm_head.weight = g16h.transformer.wte.weight
    out["gpt_f16_logits"] = g16h(prompt)[0]
    g32 = GPT2()
    g32.load_state_dict({**state, "lm_head.weight": state["transformer.wte.weight"]})
    seq, steps, full = greedy(g32, 6)
    out["gpt_f32_greedy_seq"], out["gpt_f32_greedy_logits"] = seq, steps

# 2. Tabular user: two categorical columns through Embeddings, a multi-valued one through EmbeddingBag(mode="mean")
# with offsets, numeric columns standardized with the training set's mean and std; an MLP with BatchNorm1d and Dropout;
# BCEWithLogits with pos_weight on a binary target plus CrossEntropy with class weights and label_smoothing on a
# 3-class target; WeightedRandomSampler batches (drawn here, replayed by Ember); AdamW with a decay and a no-decay group;
# early stopping on the validation loss with the best state dict kept, saved and loaded. float64.
torch.manual_seed(22)
N, NV = 40, 12
cat1, cat2 = torch.randint(0, 5, (N + NV,)), torch.randint(0, 7, (N + NV,))
bag_len = torch.randint(1, 4, (N + NV,))
tags = [torch.randint(0, 6, (int(n),)) for n in bag_len]
num = torch.randn(N + NV, 3, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.1], dtype=torch.float64) \
    + torch.tensor([0.0, 50.0, -3.0], dtype=torch.float64)
score = num[:, 0] + (cat1 == 2).double() - 0.5 * (cat2 > 3).double()
y_bin = (score + 0.3 * torch.randn(N + NV, dtype=torch.float64) > 0.9).double()
y_cls = torch.bucketize(num[:, 2] + 3, torch.tensor([-0.05, 0.05], dtype=torch.float64))
out["tab_cat1"], out["tab_cat2"], out["tab_num"], out["tab_ybin"], out["tab_ycls"] = cat1, cat2, num, y_bin, y_cls
out["tab_bag_len"], out["tab_tags"] = bag_len, torch.cat(tags)
# winsorized with the training set's per-column 5% and 95% quantiles (clamp with tensor bounds), then standardized
lo, hi = torch.quantile(num[:N], 0.05, dim=0), torch.quantile(num[:N], 0.95, dim=0)
num_w = num.clamp(lo, hi)
mean, std = num_w[:N].mean(0), num_w[:N].std(0)
out["tab_lo"], out["tab_hi"], out["tab_mean"], out["tab_std"] = lo, hi, mean, std
numz = (num_w - mean) / std
# clamp's gradients in all three (clamp.Tensor, ClampBackward0): bounds broadcast, one crossing (min > max)
cx = torch.tensor([[-2., 0.5, 3., 1.0], [0.2, -1, 5, 2]], dtype=torch.float64, requires_grad=True)
clo = torch.tensor([-1., 0., 1., 1.0], dtype=torch.float64, requires_grad=True)
chi = torch.tensor([[2.], [0.1]], dtype=torch.float64, requires_grad=True)
cy = torch.clamp(cx, clo, chi)
out["clamp_x"], out["clamp_lo"], out["clamp_hi"], out["clamp_y"] = cx.detach(), clo.detach(), chi.detach(), cy.detach()
out["clamp_gx"], out["clamp_glo"], out["clamp_ghi"] = torch.autograd.grad(
    (cy * (torch.arange(8., dtype=torch.float64).view(2, 4) + 1)).sum(), [cx, clo, chi])
out["clamp_min_gx"], out["clamp_min_glo"] = torch.autograd.grad((cx.clamp_min(clo) ** 2).sum(), [cx, clo])
class Tabular(nn.Module):
    def __init__(s):
        super().__init__()
        s.emb1, s.emb2 = nn.Embedding(5, 3), nn.Embedding(7, 3)
        s.bag = nn.EmbeddingBag(6, 3, mode="mean")
        # no bias before BatchNorm (the usual idiom): in training its gradient is zero but for rounding, which Adam's
        # eps turns into ~1e-10 steps that differ with the summation order, a 1e-9 drift in the running mean
        s.fc1 = nn.Linear(12, 16, bias=False)
        s.bn = nn.BatchNorm1d(16)
        s.drop = nn.Dropout(0.3)
        s.head_bin, s.head_cls = nn.Linear(16, 1), nn.Linear(16, 3)
    def forward(s, c1, c2, tags, offsets, x):
        h = torch.cat([s.emb1(c1), s.emb2(c2), s.bag(tags, offsets), x], 1)
        h = s.drop(F.relu(s.bn(s.fc1(h))))
        return s.head_bin(h).squeeze(1), s.head_cls(h)
def batch(idx):
    t = [tags[i] for i in idx]
    offsets = torch.tensor([0] + [len(x) for x in t[:-1]]).cumsum(0)
    return cat1[idx], cat2[idx], torch.cat(t), offsets, numz[idx]
tab = Tabular().double()
nn.init.uniform_(tab.bn.weight, 0.5, 1.5); nn.init.uniform_(tab.bn.bias, -0.2, 0.2)
save_state("tab.", tab)
bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.5], dtype=torch.float64))
ce = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64), label_smoothing=0.1)
decay = [p for n, p in tab.named_parameters() if p.dim() >= 2 and "emb" not in n and "bag" not in n]
no_decay = [p for n, p in tab.named_parameters() if not (p.dim() >= 2 and "emb" not in n and "bag" not in n)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=0.08)
pos_frac = y_bin[:N].mean()
weights = torch.where(y_bin[:N] > 0, 0.5 / pos_frac, 0.5 / (1 - pos_frac))
out["tab_weights"] = weights
sampler = torch.utils.data.WeightedRandomSampler(weights, N, replacement=True, generator=torch.Generator().manual_seed(5))
loader = torch.utils.data.DataLoader(list(range(N)), batch_size=16, sampler=sampler)
val_idx = list(range(N, N + NV))
best, best_loss, bad, patience = None, float("inf"), 0, 2
batches, train_losses, val_losses, stopped = [], [], [], -1
for epoch in range(12):
    tab.train(); tab.drop.eval()
    for idx in loader:
        batches.append(torch.cat([idx, torch.full((16 - len(idx),), -1)]))
        lb, lc = tab(*batch(idx.tolist()))
        loss = bce(lb, y_bin[idx]) + ce(lc, y_cls[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        train_losses.append(loss.item())
    tab.eval()
    with torch.no_grad():
        lb, lc = tab(*batch(val_idx))
        vl = (bce(lb, y_bin[val_idx]) + ce(lc, y_cls[val_idx])).item()
    val_losses.append(vl)
    if vl < best_loss:
        best_loss, bad = vl, 0
        best = {k: v.clone() for k, v in tab.state_dict().items()}
    else:
        bad += 1
        if bad >= patience:
            stopped = epoch
            break
assert stopped >= 0, "no early stop: pick other settings"
out["tab_batches"] = torch.stack(batches)
out["tab_train_loss"], out["tab_val_loss"] = torch.tensor(train_losses, dtype=torch.float64), torch.tensor(val_losses, dtype=torch.float64)
out["tab_stopped"] = torch.tensor(stopped)
out["tab_last_fc1_grad"] = tab.fc1.weight.grad.clone()
out["tab_bag_grad"] = tab.bag.weight.grad.clone()
tab.load_state_dict(best)
tab.eval()
with torch.no_grad():
    lb, lc = tab(*batch(val_idx))
out["tab_best_val_bin"], out["tab_best_val_prob"] = lb, F.softmax(lc, 1)
out["tab_best_running_mean"], out["tab_best_running_var"] = best["bn.running_mean"], best["bn.running_var"]
out["tab_best_batches_tracked"] = best["bn.num_batches_tracked"]

# 3. Metric-learning / retrieval user: an MLP encoder, normalized embeddings; triplet_margin_loss, cosine_embedding_loss,
# margin_ranking_loss on cosine scores, an InfoNCE loss from logsumexp over a temperature-scaled similarity matrix (and
# the same as cross_entropy against arange); Adam, 5 steps; then retrieval: cdist, topk of the nearest, cosine_similarity
# by broadcasting, pairwise_distance. float64.
torch.manual_seed(23)
enc = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4)).double()
save_state("enc.", enc)
xa = torch.randn(10, 8, dtype=torch.float64)
xb = xa + 0.3 * torch.randn(10, 8, dtype=torch.float64)  # a second view of each item
neg = torch.tensor([3, 5, 0, 9, 2, 7, 1, 4, 6, 8])
pair_t = torch.tensor([1, -1, 1, -1, -1, 1, 1, -1, 1, -1], dtype=torch.float64)
rank_t = torch.tensor([1, -1, 1, 1, -1, 1, -1, 1, 1, -1], dtype=torch.float64)
out["ml_xa"], out["ml_xb"], out["ml_neg"], out["ml_pair_t"], out["ml_rank_t"] = xa, xb, neg, pair_t, rank_t
opt = torch.optim.Adam(enc.parameters(), lr=0.03)
tau = 0.2
parts = []
for step in range(5):
    za, zb = F.normalize(enc(xa), dim=1), F.normalize(enc(xb), dim=1)
    trip = F.triplet_margin_loss(za, zb, zb[neg], margin=0.5)
    cos = F.cosine_embedding_loss(za, zb[neg], pair_t, margin=0.1)
    s_pos = F.cosine_similarity(za, zb)
    s_neg = F.cosine_similarity(za, zb[neg])
    rank = F.margin_ranking_loss(s_pos, s_neg, rank_t, margin=0.2)
    sim = za @ zb.T / tau
    nce = (torch.logsumexp(sim, 1) - sim.diagonal()).mean()
    nce_ce = F.cross_entropy(sim, torch.arange(10))
    loss = trip + cos + rank + nce
    opt.zero_grad()
    loss.backward()
    opt.step()
    parts.append(torch.stack([trip, cos, rank, nce, nce_ce]).detach())
out["ml_parts"] = torch.stack(parts)
out["ml_enc0_grad"] = enc[0].weight.grad.clone()
with torch.no_grad():
    q, gal = F.normalize(enc(xb), dim=1), F.normalize(enc(xa), dim=1)
    d = torch.cdist(q, gal)
    top = d.topk(3, dim=1, largest=False)
    out["ml_cdist"], out["ml_top_d"], out["ml_top_i"] = d, top.values, top.indices
    out["ml_cdist_l1"] = torch.cdist(q, gal, p=1)
    cs = F.cosine_similarity(q[:, None, :], gal[None, :, :], dim=-1)
    out["ml_cos_matrix"], out["ml_cos_top_i"] = cs, cs.topk(3, dim=1).indices
    out["ml_pdist"] = F.pairwise_distance(q, gal[neg])
    out["ml_recall1"] = (d.argmin(1) == torch.arange(10)).double().mean()

# 4. Time-series user: sliding windows by unfold, a causal dilated Conv1d (F.pad on the left), a batch-first GRU encoder
# and an LSTM decoder started from its state, trained with teacher forcing and forecasting autoregressively in eval; MSE
# plus Huber; clip_grad_value_ then clip_grad_norm_; SGD with momentum and CosineAnnealingWarmRestarts stepped with
# fractional epochs. float64.
torch.manual_seed(24)
t = torch.arange(60, dtype=torch.float64)
series = torch.sin(0.3 * t) + 0.5 * torch.sin(0.05 * t) + 0.1 * torch.randn(60, dtype=torch.float64)
out["ts_series"], out["ts_clean"] = series, torch.sin(0.3 * t) + 0.5 * torch.sin(0.05 * t)
win = series.unfold(0, 12, 1)  # (49, 12)
X, Y = win[:, :8], win[:, 8:]
class Forecaster(nn.Module):
    def __init__(s):
        super().__init__()
        s.conv = nn.Conv1d(1, 4, 3, dilation=2)
        s.enc = nn.GRU(4, 8, batch_first=True)
        s.dec = nn.LSTM(1, 8, batch_first=True)
        s.out = nn.Linear(8, 1)
    def encode(s, x):
        h = F.relu(s.conv(F.pad(x.unsqueeze(1), (4, 0))))  # causal: (kernel - 1) * dilation on the left
        _, hn = s.enc(h.transpose(1, 2))
        return hn, torch.zeros_like(hn)
    def forward(s, x, y):  # teacher forcing
        state = s.encode(x)
        dec_in = torch.cat([x[:, -1:], y[:, :-1]], 1).unsqueeze(2)
        o, _ = s.dec(dec_in, state)
        return s.out(o).squeeze(2)
    def forecast(s, x, steps):
        state = s.encode(x)
        inp, preds = x[:, -1:].unsqueeze(2), []
        for _ in range(steps):
            o, state = s.dec(inp, state)
            inp = s.out(o)
            preds.append(inp.squeeze(2))
        return torch.cat(preds, 1)
fc = Forecaster().double()
save_state("ts.", fc)
opt = torch.optim.SGD(fc.parameters(), lr=0.1, momentum=0.9)
sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.005)
iters = 3
losses, norms, lrs = [], [], []
for epoch in range(5):
    for i in range(iters):
        xb_, yb_ = X[16 * i:16 * i + 16], Y[16 * i:16 * i + 16]
        pred = fc(xb_, yb_)
        loss = F.mse_loss(pred, yb_) + F.huber_loss(pred, yb_, delta=0.5)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_value_(fc.parameters(), 0.5)
        norms.append(nn.utils.clip_grad_norm_(fc.parameters(), 1.0).item())
        opt.step()
        sched.step(epoch + i / iters)
        losses.append(loss.item()); lrs.append(opt.param_groups[0]["lr"])
out["ts_loss"], out["ts_norm"], out["ts_lr"] = (torch.tensor(v, dtype=torch.float64) for v in (losses, norms, lrs))
out["ts_conv_grad"], out["ts_dec_grad"] = fc.conv.weight.grad.clone(), fc.dec.weight_hh_l0.grad.clone()
fc.eval()
with torch.no_grad():
    out["ts_forecast"] = fc.forecast(X[48:], 4)
    out["ts_teacher"] = fc(X[40:], Y[40:])

# 4b. The same forecaster in float32 (its initial weights rounded) with the float64 targets a numpy pipeline hands over:
# mse_loss promotes (a float64 loss), huber_loss writes into empty_like(input) (a float32 loss computed in float64 and
# rounded; same in 2.x's Loss.cpp). Forward only: PyTorch's mse_loss_backward and huber_loss_backward do not promote and
# refuse the mixed types ("Found dtype Double but expected Float", 1.13 and 2.x alike), where Ember's backward converts
# the gradient (the project's choice, see mathops/make_expected.py)
fc32 = Forecaster()
fc32.load_state_dict({k[3:]: v.float() for k, v in out.items() if k.startswith("ts.")})
pred = fc32(X[:16].float(), Y[:16].float())
mse, hub = F.mse_loss(pred, Y[:16]), F.huber_loss(pred, Y[:16], delta=0.5)
assert mse.dtype == torch.float64 and hub.dtype == torch.float32
# the float64 loss is a view of a 64-element storage whose other elements differ from run to run: cloned, so that the
# file holds its one value and a rerun writes the same bytes
out["ts32_mse"], out["ts32_huber"] = mse.detach().clone(), hub.detach()
out["ts32_huber_none"] = F.huber_loss(pred, Y[:16], reduction="none", delta=0.5).detach()
out["ts32_pred"] = pred.detach()

torch.save(out, "programs2.pt")
print("wrote", len(out), "entries")
