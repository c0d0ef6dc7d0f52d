# Expected values for FlexAttentionGymTest: the score and mask mods people copy from pytorch-labs/attention-gym
# (attn_gym/masks/*.py, attn_gym/mods/*.py, read at its newest snapshot) and from the FlexAttention blog / docs,
# copied verbatim below, run through PyTorch 2.5's flex_attention math as it computes outside torch.compile
# (torch/_higher_order_ops/flex_attention.py, math_attention; see flexattention/make_expected.py's header for the
# steps). PyTorch 1.13 (the one here) has neither flex_attention nor torch.func.vmap, so the mods are evaluated the
# way 2.5's vmap presents them: once per (b, h, q_idx, kv_idx) on 0-dim int64 index tensors and the 0-dim score
# (a loop here; the values are vmap's for any mod, reducing ones such as MLA's torch.dot included).
# 1.13 vs 2.x: 1.13 cannot index with int32 tensors (2.x can), so the document mask's int32 document ids are made
# int64 here (same values); attention-gym's code is otherwise unchanged.
# Block masks: 2.5's create_block_mask (dense mask padded with False to whole blocks; full = sum == BLOCK^2, partial =
# 0 < sum < BLOCK^2; _dense_to_ordered = row sums and argsort(descending=True, stable=True)), at lengths that are not
# multiples of the block size, and one with Q_LEN != KV_LEN.
# Run: /usr/bin/python3 make_expected.py > expected.txt   (seeded; the same bytes every run)
import math
import torch
from torch import Tensor

torch.manual_seed(41)
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


# ---- attention-gym, verbatim (masks/causal.py, sliding_window.py, prefix_lm.py, document_mask.py,
# dilated_sliding_window.py, natten.py, batchify.py, flamingo.py; mods/alibi.py, softcapping.py, latent_attention.py)
def and_masks(*mods):  # torch.nn.attention.flex_attention.and_masks
    def f(b, h, q, kv):
        r = torch.ones((), dtype=torch.bool)
        for m in mods:
            r = r & m(b, h, q, kv)
        return r
    return f


def or_masks(*mods):
    def f(b, h, q, kv):
        r = torch.zeros((), dtype=torch.bool)
        for m in mods:
            r = r | m(b, h, q, kv)
        return r
    return f


def causal_mask(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def generate_sliding_window(window_size):
    def sliding_window(b, h, q_idx, kv_idx):
        return q_idx - kv_idx <= window_size
    return and_masks(sliding_window, causal_mask)


def generate_prefix_lm_mask(prefix_length):
    def prefix_mask(b, h, q_idx, kv_idx):
        return kv_idx < prefix_length
    return or_masks(prefix_mask, causal_mask)


def _offsets_to_doc_ids_tensor(offsets):
    counts = offsets[1:] - offsets[:-1]
    return torch.repeat_interleave(torch.arange(len(counts), dtype=torch.int64), counts)  # int32 in attention-gym


def length_to_offsets(lengths):
    offsets = [0]
    offsets.extend(lengths)
    offsets = torch.tensor(offsets, dtype=torch.int32)
    return torch.cumsum(offsets, dim=-1)


def generate_doc_mask_mod(mask_mod, offsets):
    document_id = _offsets_to_doc_ids_tensor(offsets)

    def doc_mask_mod(b, h, q_idx, kv_idx):
        same_doc = document_id[q_idx] == document_id[kv_idx]
        q_logical = q_idx - offsets[document_id[q_idx]]
        kv_logical = kv_idx - offsets[document_id[kv_idx]]
        inner_mask = mask_mod(b, h, q_logical, kv_logical)
        return same_doc & inner_mask
    return doc_mask_mod


def generate_dilated_sliding_window(window_size, dilation):
    def dilated_sliding_window(b, h, q_idx, kv_idx):
        diff = torch.abs(q_idx - kv_idx)
        in_window = diff <= window_size
        is_dilated = (diff % dilation) == 0
        return in_window & is_dilated
    return dilated_sliding_window


def generate_natten(canvas_w, canvas_h, kernel_w, kernel_h):
    def get_x_y(idx):
        return idx // canvas_w, idx % canvas_w

    def natten_mask_mod(b, h, q_idx, kv_idx):
        q_x, q_y = get_x_y(q_idx)
        kv_x, kv_y = get_x_y(kv_idx)
        kernel_center_x = q_x.clamp(kernel_w // 2, (canvas_w - 1) - kernel_w // 2)
        kernel_center_y = q_y.clamp(kernel_h // 2, (canvas_h - 1) - kernel_h // 2)
        hori_mask = (kernel_center_x - kv_x).abs() <= kernel_w // 2
        vert_mask = (kernel_center_y - kv_y).abs() <= kernel_h // 2
        return hori_mask & vert_mask
    return natten_mask_mod


def batchify_mask_mod(mask_mod, batchify_size):
    def batched_mask_mod(b, h, q_idx, kv_idx):
        q_batch = q_idx // batchify_size
        kv_batch = kv_idx // batchify_size
        same_batch = q_batch == kv_batch
        inner_mask = mask_mod(b, h, q_idx % batchify_size, kv_idx % batchify_size)
        return same_batch & inner_mask
    return batched_mask_mod


def generate_vision_cross_attention_mask_mod(intervals, image_token_length):
    num_images = intervals.shape[0]
    image_boundaries = torch.repeat_interleave(torch.arange(num_images), repeats=image_token_length)

    def vision_cross_attention_mask_mod(b, h, q_idx, kv_idx):
        image_idx = image_boundaries[kv_idx]
        interval = intervals[image_idx]
        return (q_idx >= interval[0]) & (q_idx < interval[1])
    return vision_cross_attention_mask_mod


def generate_alibi_bias(H):
    def alibi_mod(score, b, h, q_idx, kv_idx):
        scale = torch.exp2(-((h + 1) * 8.0 / H))
        bias = (kv_idx - q_idx) * scale
        return score + bias
    return alibi_mod


def generate_tanh_softcap(soft_cap):
    def tanh_softcap(score, b, h, q_idx, kv_idx):
        return soft_cap * torch.tanh(score / soft_cap)
    return tanh_softcap


def generate_mla_rope_score_mod(query_rope, key_rope, num_heads, scale=1.0):
    def mla_rope_score_mod(score, b, h, q_idx, kv_idx):
        return score + (scale * torch.dot(query_rope[b, h, q_idx], key_rope[b, h // num_heads, kv_idx]))
    return mla_rope_score_mod


# ---- the FlexAttention blog / torch.nn.attention.flex_attention docs
def relative_positional(score, b, h, q_idx, kv_idx):
    return score + (q_idx - kv_idx)


def checkerboard(score, batch, head, q_idx, k_idx):
    score = torch.where(torch.abs(k_idx - q_idx) % 2 == 1, score * 0.5, score)
    score = torch.where(torch.abs(k_idx - q_idx) % 2 == 0, score * 2.0, score)
    return score


def causal_score(score, b, h, q_idx, kv_idx):
    return torch.where(q_idx >= kv_idx, score, -float("inf"))


# ---- 2.5's math, mods evaluated per element as vmap presents them
def each(B, H, Q, KV):
    for b in range(B):
        for h in range(H):
            for q in range(Q):
                for kv in range(KV):
                    yield b, h, q, kv, (torch.tensor(b), torch.tensor(h), torch.tensor(q), torch.tensor(kv))


def dense_mask(mask_mod, B, H, Q, KV):
    if mask_mod is None:
        return torch.ones(B, H, Q, KV, dtype=torch.bool)
    return torch.stack([mask_mod(*ix) for *_, ix in each(B, H, Q, KV)]).view(B, H, Q, KV)


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
    scores = (scores * scale).to(wp)
    B, H, Q, KV = scores.shape
    allowed = dense_mask(mask_mod, B, H, Q, KV)
    if score_mod is None:
        modded = scores
    else:
        modded = torch.stack([score_mod(scores[b, h, m, n], *ix).to(wp) for b, h, m, n, ix in each(B, H, Q, KV)])
        modded = modded.view(B, H, Q, KV)
    post = torch.where(allowed, modded, torch.tensor(-float("inf"), dtype=wp))
    lse = post.logsumexp(-1)
    lse = torch.where((post == -float("inf")).all(-1), torch.tensor(-float("inf"), dtype=wp), lse)
    return safe_softmax(post).to(q.dtype) @ v, (lse / math.log(2)) * math.log(2)


def block_mask(name, mask_mod, Q, KV, BS, B=1, H=1):
    mask = dense_mask(mask_mod, B, H, Q, KV)
    qb, kb = -(-Q // BS), -(-KV // BS)
    padded = torch.zeros(B, H, qb * BS, kb * BS, dtype=torch.bool)
    padded[:, :, :Q, :KV] = mask
    sums = padded.long().view(B, H, qb, BS, kb, BS).permute(0, 1, 2, 4, 3, 5).sum(dim=[-2, -1])
    full = (sums == BS * BS).int()
    partial = ((sums > 0) & (sums < BS * BS)).int()
    for suffix, d in (("kv", partial), ("full_kv", full), ("q", partial.transpose(-2, -1)),
                      ("full_q", full.transpose(-2, -1))):
        put(f"bm.{name}.{suffix}_num_blocks", d.sum(-1).int())
        put(f"bm.{name}.{suffix}_indices", torch.sort(d, dim=-1, descending=True, stable=True)[1].int())
    put(f"bm.{name}.dense", (partial | full).int())
    put(f"bm.{name}.mask", mask.int())
    computed = (partial.sum() + full.sum()).item() * BS * BS
    put(f"bm.{name}.sparsity", repr(100 * (1 - computed / (B * H * Q * KV))))


def qkv(B, Hq, Hkv, L, S, E, Ev, dtype):
    return (torch.randn(B, Hq, L, E, dtype=torch.float64).to(dtype),
            torch.randn(B, Hkv, S, E, dtype=torch.float64).to(dtype),
            torch.randn(B, Hkv, S, Ev, dtype=torch.float64).to(dtype))


def case(name, q, k, v, score_mod=None, mask_mod=None, lse=False):
    o, l = flex(q, k, v, score_mod, mask_mod)
    put(name + ".out", o)
    if lse:
        put(name + ".lse", l)


# 1. self-attention, B=2, H=4, L=S=11 (not a multiple of any block size used), E=8, Ev=5
q, k, v = qkv(2, 4, 4, 11, 11, 8, 5, torch.float32)
put("s.q", q); put("s.k", k); put("s.v", v)
offsets = length_to_offsets([3, 5, 3])
put("doc.offsets", offsets)
case("causal", q, k, v, mask_mod=causal_mask, lse=True)
case("alibi_causal", q, k, v, score_mod=generate_alibi_bias(4), mask_mod=causal_mask)
case("sliding3", q, k, v, mask_mod=generate_sliding_window(3), lse=True)
case("prefix4", q, k, v, mask_mod=generate_prefix_lm_mask(4))
case("document_causal", q, k, v, mask_mod=generate_doc_mask_mod(causal_mask, offsets), lse=True)
case("softcap", q, k, v, score_mod=generate_tanh_softcap(1.5))
case("softcap_sliding", q, k, v, score_mod=generate_tanh_softcap(1.5), mask_mod=generate_sliding_window(2))
case("dilated4x2", q, k, v, mask_mod=generate_dilated_sliding_window(4, 2))
case("batchify4_causal", q, k, v, mask_mod=batchify_mask_mod(causal_mask, 4))
case("relpos", q, k, v, score_mod=relative_positional)
case("checkerboard", q, k, v, score_mod=checkerboard)
case("causal_score", q, k, v, score_mod=causal_score, lse=True)
block_mask("causal", causal_mask, 11, 11, 4)
block_mask("sliding3", generate_sliding_window(3), 11, 11, 4)
block_mask("prefix4", generate_prefix_lm_mask(4), 11, 11, 3)
block_mask("document_causal", generate_doc_mask_mod(causal_mask, offsets), 11, 11, 4)
block_mask("dilated4x2", generate_dilated_sliding_window(4, 2), 11, 11, 4)

# 1a. bfloat16 inputs (scores in float32, probabilities cast to bfloat16 before the product with the values)
case("bf16_softcap_causal", q.bfloat16(), k.bfloat16(), v.bfloat16(), score_mod=generate_tanh_softcap(1.5),
     mask_mod=causal_mask, lse=True)

# 1b. masks that depend on the batch and the head: padding (each sequence's length, captured, indexed by b) with
# causal, B=2; a sliding window per head (captured sizes indexed by h), H=4
lengths = torch.tensor([11, 7])
windows = torch.tensor([1, 2, 3, 5])


def padding_causal(b, h, q_idx, kv_idx):
    return (kv_idx < lengths[b]) & (q_idx >= kv_idx)


def per_head_window(b, h, q_idx, kv_idx):
    return (q_idx - kv_idx <= windows[h]) & (q_idx >= kv_idx)


case("padding_causal", q, k, v, mask_mod=padding_causal)
case("per_head_window", q, k, v, mask_mod=per_head_window)
block_mask("padding_causal", padding_causal, 11, 11, 4, B=2)
block_mask("per_head_window", per_head_window, 11, 11, 4, H=4)

# 2. NATTEN on a 4 x 3 canvas (12 tokens), 3 x 3 kernel
q, k, v = qkv(1, 2, 2, 12, 12, 4, 3, torch.float32)
put("n.q", q); put("n.k", k); put("n.v", v)
case("natten", q, k, v, mask_mod=generate_natten(4, 3, 3, 3))
block_mask("natten", generate_natten(4, 3, 3, 3), 12, 12, 5)

# 3. Flamingo vision cross-attention: 11 text queries, 2 images of 3 tokens (6 keys); image 0 for text [0, 4), image 1
# for [3, 9); text 9 and 10 see no image (fully masked rows: zeros, lse -inf)
intervals = torch.tensor([[0, 4], [3, 9]])
q, k, v = qkv(1, 2, 2, 11, 6, 4, 3, torch.float32)
put("x.q", q); put("x.k", k); put("x.v", v)
case("flamingo", q, k, v, mask_mod=generate_vision_cross_attention_mask_mod(intervals, 3), lse=True)
block_mask("flamingo", generate_vision_cross_attention_mask_mod(intervals, 3), 11, 6, 4)

# 4. MLA RoPE score mod (DeepSeek-V2): 4 query heads on 1 latent key head (GQA), rope embeddings of size 3
q, k, v = qkv(1, 4, 1, 5, 5, 6, 4, torch.float32)
qr = torch.randn(1, 4, 5, 3)
kr = torch.randn(1, 1, 5, 3)
put("mla.q", q); put("mla.k", k); put("mla.v", v); put("mla.qr", qr); put("mla.kr", kr)
case("mla", q, k, v, score_mod=generate_mla_rope_score_mod(qr, kr, 4, 0.5), mask_mod=causal_mask)

# 5. float64 gradients: ALiBi + sliding window, and soft-capping + document mask (q, k, v gradients of sum(out * w))
q, k, v = qkv(1, 4, 4, 7, 7, 3, 2, torch.float64)
w = torch.randn(1, 4, 7, 2, dtype=torch.float64)
offsets7 = length_to_offsets([4, 3])
put("g.q", q); put("g.k", k); put("g.v", v); put("g.w", w)
q.requires_grad_(); k.requires_grad_(); v.requires_grad_()
for name, sm, mm in (("g.alibi_sliding", generate_alibi_bias(4), generate_sliding_window(2)),
                     ("g.softcap_document", generate_tanh_softcap(0.8), generate_doc_mask_mod(causal_mask, offsets7))):
    o, _ = flex(q, k, v, sm, mm)
    (o * w).sum().backward()
    put(name + ".out", o); put(name + ".gq", q.grad); put(name + ".gk", k.grad); put(name + ".gv", v.grad)
    q.grad = k.grad = v.grad = None

for line in out:
    print(line)
