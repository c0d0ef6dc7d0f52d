# Expected values for FlexAttentionTest. PyTorch 1.13 (the one here) has no torch.nn.attention.flex_attention (2.5), so
# this script computes what 2.5 computes outside torch.compile, with 1.13's ops, following the 2.5 source:
#   torch/_higher_order_ops/flex_attention.py, math_attention / _math_attention_inner:
#     working_precision = float64 if query is float64 else float32
#     scores = (query @ key.transpose(-2, -1)).to(working_precision)       (key/value repeat_interleave'd for GQA)
#     scores = (scores * scale).to(working_precision)
#     post = where(mask_mod(b, h, m, n), score_mod(scores, b, h, m, n), -inf)   (mods vmapped over b, h, m, n)
#     logsumexp = post.logsumexp(-1); masked_rows = all(post == -inf, -1); logsumexp = where(masked_rows, -inf, lse)
#     post = _safe_softmax(post, -1)           (softmax, 0 where a row is all -inf)
#     return post.to(query.dtype) @ value, logsumexp / log(2)
#   torch/nn/attention/flex_attention.py: flex_attention returns (out, lse * log(2)) with return_lse=True;
#   create_block_mask -> create_mask (the mask evaluated densely), _convert_mask_to_block_mask (padded with False to
#   whole blocks; full = block sum == BLOCK^2, partial = 0 < sum < BLOCK^2), _dense_to_ordered (row sums, and
#   argsort(descending=True, stable=True) of each row), the q_* ones by transposing; sparsity = 100 * (1 - computed
#   blocks * BLOCK^2 / (B * H * Q_LEN * KV_LEN)).
# The mods below are elementwise and index captured tensors by the indices, so broadcasting them over index tensors of
# shapes [B,1,1,1], [1,H,1,1], [1,1,Q,1], [1,1,1,KV] gives vmap's values. Gradients: 1.13's autograd of this math (2.5's
# backward differentiates the same computation).
# Run: /usr/bin/python3 make_expected.py > expected.txt
import math
import torch

torch.manual_seed(0)
out = []


def put(key, t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype in (torch.int32, torch.int64, torch.bool):
            out.append(f"{key}\t{list(t.shape)}\t" + " ".join(str(int(x)) for x in t.reshape(-1).tolist()))
        else:
            out.append(f"{key}\t{list(t.shape)}\t" + " ".join(repr(float(x)) for x in t.double().reshape(-1).tolist()))
    else:
        out.append(f"{key}\t{t}")


def idx(B, H, Q, KV):
    return (torch.arange(B).view(B, 1, 1, 1), torch.arange(H).view(1, H, 1, 1), torch.arange(Q).view(1, 1, Q, 1),
            torch.arange(KV).view(1, 1, 1, KV))


def safe_softmax(x):
    s = torch.softmax(x, -1)
    rows = (x == -float("inf")).all(-1, keepdim=True)
    return torch.where(rows, torch.zeros((), dtype=s.dtype), s)


def flex(q, k, v, score_mod=None, mask_mod=None, scale=None):
    wp = torch.float64 if q.dtype == torch.float64 else torch.float32
    G = q.size(1) // k.size(1)
    if G != 1:
        k = torch.repeat_interleave(k, G, dim=1)
        v = torch.repeat_interleave(v, G, dim=1)
    scale = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)).to(wp)
    b, h, m, n = idx(*scores.shape)
    scores = (scores * scale).to(wp)
    allowed = mask_mod(b, h, m, n) if mask_mod is not None else torch.ones((), dtype=torch.bool)
    modded = score_mod(scores, b, h, m, n) if score_mod is not None else scores
    post = torch.where(allowed, modded, torch.tensor(-float("inf"), dtype=wp)).expand(scores.shape)
    lse = post.logsumexp(-1)
    lse = torch.where((post == -float("inf")).all(-1), torch.tensor(-float("inf"), dtype=wp), lse)
    p = safe_softmax(post)
    return p.to(q.dtype) @ v, (lse / math.log(2)) * math.log(2)


def block_mask(mask_mod, B, H, Q, KV, BS):
    b, h, m, n = idx(B, H, Q, KV)
    mask = mask_mod(b, h, m, n).expand(B, H, Q, KV)
    qb, kb = -(-Q // BS), -(-KV // BS)
    padded = torch.zeros(B, H, qb * BS, kb * BS, dtype=torch.bool)
    padded[:, :, :Q, :KV] = mask
    sums = padded.long().view(B, H, qb, BS, kb, BS).permute(0, 1, 2, 4, 3, 5).sum(dim=[-2, -1])
    full = (sums == BS * BS).int()
    partial = ((sums > 0) & (sums < BS * BS)).int()

    def ordered(d):
        return d.sum(-1).int(), torch.sort(d, dim=-1, descending=True, stable=True)[1].int()
    return partial, full, ordered


def qkv(B, Hq, Hkv, L, S, E, Ev, dtype):
    return (torch.randn(B, Hq, L, E, dtype=torch.float64).to(dtype),
            torch.randn(B, Hkv, S, E, dtype=torch.float64).to(dtype),
            torch.randn(B, Hkv, S, Ev, dtype=torch.float64).to(dtype))


def causal(b, h, q, kv):
    return q >= kv


# 1. plain float32, and with a scale
q, k, v = qkv(2, 2, 2, 5, 7, 4, 3, torch.float32)
put("plain.q", q); put("plain.k", k); put("plain.v", v)
o, l = flex(q, k, v)
put("plain.out", o); put("plain.lse", l)
o, l = flex(q, k, v, scale=0.3)
put("plain_scaled.out", o)

# 2. causal block mask, block size 2 (partial and full blocks), Q=KV=5
partial, full, ordered = block_mask(causal, 1, 1, 5, 5, 2)
for name, d in (("kv", partial), ("full_kv", full), ("q", partial.transpose(-2, -1)), ("full_q", full.transpose(-2, -1))):
    c, i = ordered(d)
    put("bm.causal." + name + "_num_blocks", c)
    put("bm.causal." + name + "_indices", i)
put("bm.causal.dense", (partial | full).int())
computed = (partial.sum() + full.sum()).item() * 4
put("bm.causal.sparsity", repr(100 * (1 - computed / (1 * 1 * 5 * 5))))
q, k, v = qkv(2, 2, 2, 5, 5, 4, 4, torch.float32)
put("causal.q", q); put("causal.k", k); put("causal.v", v)
o, l = flex(q, k, v, mask_mod=causal)
put("causal.out", o); put("causal.lse", l)

# 3. score mods: relative position, ALiBi with captured slopes, soft-capping; document mask by indexing; sliding window
# and causal; a fully masked first row
slopes = torch.tensor([0.5, 0.25])
doc = torch.tensor([0, 0, 1, 1, 1, 2, 2])
q, k, v = qkv(1, 2, 2, 7, 7, 4, 4, torch.float32)
put("mods.q", q); put("mods.k", k); put("mods.v", v)
put("mods.relpos", flex(q, k, v, score_mod=lambda s, b, h, m, n: s + (m - n))[0])
put("mods.alibi", flex(q, k, v, score_mod=lambda s, b, h, m, n: s - slopes[h] * (m - n).abs())[0])
put("mods.softcap", flex(q, k, v, score_mod=lambda s, b, h, m, n: 3 * torch.tanh(s / 3))[0])
put("mods.document", flex(q, k, v, mask_mod=lambda b, h, m, n: doc[m] == doc[n])[0])
o, l = flex(q, k, v, mask_mod=lambda b, h, m, n: (m >= n) & (m - n <= 2))
put("mods.window.out", o); put("mods.window.lse", l)
o, l = flex(q, k, v, mask_mod=lambda b, h, m, n: (m > 0) & (n <= m))
put("mods.firstrow.out", o); put("mods.firstrow.lse", l)

# 4. grouped-query attention, Hq=4, Hkv=2, causal
q, k, v = qkv(1, 4, 2, 4, 4, 3, 2, torch.float32)
put("gqa.q", q); put("gqa.k", k); put("gqa.v", v)
put("gqa.out", flex(q, k, v, mask_mod=causal)[0])

# 5. float64 gradients with a causal mask and a relative-position score mod; a learned per-head bias (captured tensor
# that requires grad) gets its gradient
q, k, v = qkv(1, 2, 2, 4, 4, 3, 3, torch.float64)
w = torch.randn(1, 2, 4, 3, dtype=torch.float64)
bias = torch.tensor([0.1, -0.2], dtype=torch.float64, requires_grad=True)
put("grad.q", q); put("grad.k", k); put("grad.v", v); put("grad.w", w)
q.requires_grad_(); k.requires_grad_(); v.requires_grad_()
o, _ = flex(q, k, v, score_mod=lambda s, b, h, m, n: s + 0.1 * (m - n), mask_mod=causal)
(o * w).sum().backward()
put("grad.out", o); put("grad.gq", q.grad); put("grad.gk", k.grad); put("grad.gv", v.grad)
q.grad = k.grad = v.grad = None
o, _ = flex(q, k, v, score_mod=lambda s, b, h, m, n: s + bias[h], mask_mod=causal)
(o * w).sum().backward()
put("grad_bias.gq", q.grad); put("grad_bias.gbias", bias.grad)

for line in out:
    print(line)
