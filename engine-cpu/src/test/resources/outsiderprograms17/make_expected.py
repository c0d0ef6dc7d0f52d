"""Expected values for OutsiderPrograms17Test (session 42's outsider pass, round 17), run in float64 (the default type)
from PyTorch's initial weights and fixed data, which are saved beside the outputs, losses, gradients of every named
parameter after the first backward and parameters after the last step.

Rounds 6, 7 and 9 had already ported a Swin block, a float32 ConvNeXt block, a PointNet with one 3x3 T-Net, a BERT
masked LM with the 80/10/10 rule, T5's relative position buckets, a WaveNet and locuslab's TCN; this round ports what
those left out, and two recipes no round had:
  trip.*   batch-hard triplet mining as the widely copied PyTorch port of Olivier Moindrot's
           batch_hard_triplet_loss writes it (_pairwise_distances by matmul and diag with the in-place clamp
           distances[distances < 0] = 0 and the 1e-16 sqrt guard, the anchor-positive and anchor-negative masks from
           the labels (.float() masks, float32 in PyTorch, promoting with the float64 distances), hardest positive by
           masked max, hardest negative by max + masked min, tl[tl < 0] = 0, mean), squared and not; and the cdist form
           (torch.cdist, bool masks, masked_fill(inf), max/min .values, relu); an MLP embedder trained 3 Adam steps by
           each
  gvq.*    wav2vec2's Gumbel vector quantizer as Hugging Face's Wav2Vec2GumbelVectorQuantizer writes it (weight_proj,
           view to groups, gumbel_softmax(hard=True) computed as F.gumbel_softmax's source does from fixed noise:
           gumbels = -log(E) with E = -log(U) an Exp(1) draw from saved uniforms, the straight-through
           y_hard - y_soft.detach() + y_soft with y_hard by scatter_ of the argmax; the soft distribution's perplexity
           (_compute_perplexity, with and without mask_time_indices), codevectors by unsqueeze * codevectors, view, sum
           over the group's entries), the diversity loss ((G V - perplexity) / (G V)) * mask.sum() plus a regression
           of the quantized vectors, Adam 3 steps; the eval path (argmax one-hot by new_zeros().scatter_)
  w2v.*    Wav2Vec2ForPreTraining's loss around that quantizer (Hugging Face): _mask_hidden_states'
           hidden_states[mask_time_indices] = masked_spec_embed (a parameter written into a tensor of the graph by a
           boolean mask), a Linear + GELU stand-in for the feature encoder and transformer, project_hid and project_q,
           the negatives gathered by fixed sampled_negative_indices (saved; HF draws them with numpy) through
           view(-1, hidden)[indices], compute_contrastive_logits (cat, cosine_similarity over the last dim, / 0.1),
           neg_is_pos = (quantized == negatives).all(-1) and logits[1:][neg_is_pos] = -inf (an in-place masked
           assignment into a view of the graph's logits; two time steps are built to quantize alike so that it fires),
           logits.transpose(0, 2).reshape, the target ((1 - mask.long()) * -100).transpose(0, 1).flatten(),
           cross_entropy(reduction="sum") + 0.1 * the diversity loss; Adam 3 steps
  cnx.*    the ConvNeXt model as facebookresearch/ConvNeXt writes it (float64; round 6 had one block in float32): its
           channels_first LayerNorm by hand (mean and biased variance over dim 1, weight[:, None, None]), the
           downsample layers (stem, then LayerNorm + stride-2 conv), stages of Blocks with drop-path rates from
           linspace (Identity for rate 0), timm 0.4's drop_path (keep_prob + U, floor_, x.div(keep_prob) * mask) from
           saved uniforms, layer scale 0.5 (not 1e-6: gradients would vanish), the head scaled by head_init_scale,
           AdamW 3 steps, an eval forward
  swin.*   microsoft/Swin-Transformer's BasicLayer (a W-MSA and an SW-MSA block; the relative_position_index a
           persistent buffer; the attention mask from img_mask slices) followed by PatchMerging (x[:, 0::2, 0::2, :]
           etc., cat, LayerNorm(4C), Linear(4C, 2C, bias=False)), the final LayerNorm, AdaptiveAvgPool1d over tokens
           and the head; AdamW 3 steps (round 6 had one block without PatchMerging)
  pn.*     fxia22/pointnet.pytorch's PointNetCls with feature_transform=True (widths scaled down: 64/128/1024/512/256
           become 8/16/32/16/8): STN3d and STNkd (k=8) with the identity from numpy as float32 (added to the float64
           output, promoting), bmm by the transforms, feature_transform_regularizer over the k x k transform,
           nll_loss + 0.001 * reg, Adam 3 steps; the running statistics; an eval forward. Its Dropout(p=0.3) is
           built with p=0 (a train-mode dropout mask cannot be shared)
  t5.*     a small T5ForConditionalGeneration as Hugging Face's modeling_t5 writes it: T5LayerNorm (the root mean
           square, no mean, no bias), T5Attention without the 1/sqrt(d) scale, the relative_attention_bias Embedding
           in the first block of each stack only (compute_bias: _relative_position_bucket, bidirectional in the
           encoder, not in the decoder), the position bias with the extended mask folded in shared by the later
           blocks, the decoder's causal extended mask ((1 - mask) * finfo.min) and the cross-attention's zero bias plus
           the encoder's padding mask, T5DenseActDense with ReLU, _shift_right (labels' -100 to the pad id), the tied
           lm_head with sequence_output * d_model ** -0.5, cross entropy (ignore_index -100), AdamW 3 steps; the
           buckets of relative positions -600..600 for five (num_buckets, max_distance) pairs (saved as uint8); T5's
           float32 casts (T5LayerNorm's variance, softmax(scores.float())) are dropped in float64 and are no-ops in the
           float32 first step
  w2vfe.*  Hugging Face's Wav2Vec2 front end: Wav2Vec2FeatureEncoder (input_values[:, None] made to require grad in
           training, a Wav2Vec2GroupNormConvLayer: strided Conv1d without bias, GroupNorm(C, C), GELU; then a
           Wav2Vec2NoLayerNormConvLayer), Wav2Vec2FeatureProjection (LayerNorm, Linear), Wav2Vec2PositionalConvEmbedding
           (a grouped Conv1d, padding K // 2, weight_norm over dim=2: the 1.x weight_norm in 1.13, which HF falls back
           to, its weight_g/weight_v saved under 2.x's parametrization names, as HF 2.x builds it; Wav2Vec2SamePadLayer
           dropping the last frame for an even K), the encoder's hidden + position embeddings and LayerNorm, a frame
           classifier, cross entropy, Adam 3 steps; the input's gradient
  swin2.*  Swin Transformer V2's WindowAttention and block (swin_transformer_v2.py): cosine attention
           (F.normalize of q and k), the learnt logit_scale clamped by a tensor max log(1 / 0.01) then exp (one head
           initialised past the clamp, so its gradient is zero), the continuous position bias: cpb_mlp (hidden 16,
           not 512; its ReLU in place) over the log-spaced relative_coords_table (float32 from arange, meshgrid,
           normalized by window - 1, times 8, sign * log2(|x| + 1) / log2(8), cast with the model to float64),
           16 * sigmoid of the gathered bias, qkv's bias as cat(q_bias, zeros_like(v_bias), v_bias) through F.linear,
           res-post-norm blocks (shortcut + norm1(attn), x + norm2(mlp)), W-MSA and SW-MSA, AdamW 3 steps
  f32.*    the first forward and backward of cnx, w2v and t5 again in float32
  bf16.*   T5's first forward and backward in bfloat16 with HF's float32 casts restored
  texts17.txt  PyTorch's messages for the recipes' misuses (key, a tab, the message)
PyTorch 1.13 and 2.x agree on every op used here (max(1)[0] is 2.x's .values).

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs17.pt (a dict of tensors).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(17)
out = {}


def new_name(k):
    """2.x's parametrization names for the old weight_norm's weight_g and weight_v (the Java port uses 2.x's)."""
    return k.replace("weight_g", "parametrizations.weight.original0").replace("weight_v",
                                                                            "parametrizations.weight.original1")


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + new_name(k)] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + new_name(k)] = p.detach().clone()


def save_buffers(prefix, module):
    for k, b in module.named_buffers():
        out[prefix + k] = b.clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + new_name(k)] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None):
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward(step)
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0.", model)
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. batch-hard triplet mining -----------------------------------------------------------------------------------------
def _pairwise_distances(embeddings, squared=False):
    dot_product = torch.matmul(embeddings, embeddings.t())
    square_norm = torch.diag(dot_product)
    distances = square_norm.unsqueeze(0) - 2.0 * dot_product + square_norm.unsqueeze(1)
    distances[distances < 0] = 0
    if not squared:
        mask = distances.eq(0).float()
        distances = distances + mask * 1e-16
        distances = (1.0 - mask) * torch.sqrt(distances)
    return distances


def _get_anchor_positive_triplet_mask(labels):
    indices_equal = torch.eye(labels.size(0)).bool()
    indices_not_equal = ~indices_equal
    labels_equal = labels.unsqueeze(0) == labels.unsqueeze(1)
    return labels_equal & indices_not_equal


def _get_anchor_negative_triplet_mask(labels):
    return ~(labels.unsqueeze(0) == labels.unsqueeze(1))


def batch_hard_triplet_loss(labels, embeddings, margin, squared=False):
    pairwise_dist = _pairwise_distances(embeddings, squared=squared)
    mask_anchor_positive = _get_anchor_positive_triplet_mask(labels).float()
    anchor_positive_dist = mask_anchor_positive * pairwise_dist
    hardest_positive_dist, _ = anchor_positive_dist.max(1, keepdim=True)
    mask_anchor_negative = _get_anchor_negative_triplet_mask(labels).float()
    max_anchor_negative_dist, _ = pairwise_dist.max(1, keepdim=True)
    anchor_negative_dist = pairwise_dist + max_anchor_negative_dist * (1.0 - mask_anchor_negative)
    hardest_negative_dist, _ = anchor_negative_dist.min(1, keepdim=True)
    tl = hardest_positive_dist - hardest_negative_dist + margin
    tl[tl < 0] = 0
    triplet_loss = tl.mean()
    return triplet_loss


def batch_hard_cdist(embeddings, labels, margin):
    dist = torch.cdist(embeddings, embeddings, p=2)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    eye = torch.eye(len(labels), dtype=torch.bool)
    pos_mask = same & ~eye
    hardest_pos = (dist * pos_mask).max(dim=1).values
    hardest_neg = dist.masked_fill(same, float("inf")).min(dim=1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def embedder():
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 4))


trip_init = embedder()
save_state("trip.init.", trip_init)
trip_x = torch.randn(3, 10, 6)
trip_y = torch.tensor([0, 1, 2, 0, 1, 2, 0, 0, 1, 2])
out["trip.x"], out["trip.y"] = trip_x, trip_y
with torch.no_grad():
    e0 = trip_init(trip_x[0])
    out["trip.pd0"] = _pairwise_distances(e0)
    out["trip.pd0sq"] = _pairwise_distances(e0, squared=True)
    out["trip.apmask"] = _get_anchor_positive_triplet_mask(trip_y)
for name, fn in [("bh", lambda e: batch_hard_triplet_loss(trip_y, e, 1.0)),
                 ("bhsq", lambda e: batch_hard_triplet_loss(trip_y, e, 1.0, squared=True)),
                 ("cd", lambda e: batch_hard_cdist(e, trip_y, 1.0))]:
    model = embedder()
    model.load_state_dict(trip_init.state_dict())

    def trip_forward(step, model=model, fn=fn):
        e = model(trip_x[step])
        return e, fn(e)

    train("trip." + name + ".", model, torch.optim.Adam(model.parameters(), lr=0.05), 3, trip_forward)


# 2. wav2vec2's Gumbel vector quantizer --------------------------------------------------------------------------------
def gumbel_softmax_from_uniforms(logits, u, tau=1, hard=False, dim=-1):
    # F.gumbel_softmax's source with its noise from fixed uniforms: -empty_like(logits).exponential_().log(), the
    # exponential draw written as -log(U)
    gumbels = -(-u.log()).log()
    gumbels = (logits + gumbels) / tau
    y_soft = gumbels.softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = torch.zeros_like(logits, memory_format=torch.legacy_contiguous_format).scatter_(dim, index, 1.0)
        ret = y_hard - y_soft.detach() + y_soft
    else:
        ret = y_soft
    return ret


class GumbelVectorQuantizer(nn.Module):
    def __init__(self, conv_dim, codevector_dim, num_groups, num_vars):
        super().__init__()
        self.num_groups = num_groups
        self.num_vars = num_vars
        self.codevectors = nn.Parameter(torch.rand(1, self.num_groups * self.num_vars, codevector_dim // self.num_groups))
        self.weight_proj = nn.Linear(conv_dim, self.num_groups * self.num_vars)
        self.temperature = 2

    @staticmethod
    def _compute_perplexity(probs, mask=None):
        if mask is not None:
            mask_extended = mask.flatten()[:, None, None].expand(probs.shape)
            probs = torch.where(mask_extended, probs, torch.zeros_like(probs))
            marginal_probs = probs.sum(dim=0) / mask.sum()
        else:
            marginal_probs = probs.mean(dim=0)
        perplexity = torch.exp(-torch.sum(marginal_probs * torch.log(marginal_probs + 1e-7), dim=-1)).sum()
        return perplexity

    def forward(self, hidden_states, noise, mask_time_indices=None):
        batch_size, sequence_length, hidden_size = hidden_states.shape
        hidden_states = self.weight_proj(hidden_states)
        hidden_states = hidden_states.view(batch_size * sequence_length * self.num_groups, -1)
        if self.training:
            # Hugging Face casts to float() and back (type_as): dropped in this float64 program
            codevector_probs = gumbel_softmax_from_uniforms(hidden_states, noise, tau=self.temperature, hard=True)
            codevector_soft_dist = torch.softmax(hidden_states.view(batch_size * sequence_length, self.num_groups, -1),
                                                 dim=-1)
            perplexity = self._compute_perplexity(codevector_soft_dist, mask_time_indices)
        else:
            codevector_idx = hidden_states.argmax(dim=-1)
            codevector_probs = hidden_states.new_zeros(hidden_states.shape).scatter_(-1, codevector_idx.view(-1, 1), 1.0)
            codevector_probs = codevector_probs.view(batch_size * sequence_length, self.num_groups, -1)
            perplexity = self._compute_perplexity(codevector_probs, mask_time_indices)
        codevector_probs = codevector_probs.view(batch_size * sequence_length, -1)
        codevectors_per_group = codevector_probs.unsqueeze(-1) * self.codevectors
        codevectors = codevectors_per_group.view(batch_size * sequence_length, self.num_groups, self.num_vars, -1)
        codevectors = codevectors.sum(-2).view(batch_size, sequence_length, -1)
        return codevectors, perplexity


G, V, CONV, CODE = 2, 5, 6, 8
gvq = GumbelVectorQuantizer(CONV, CODE, G, V)
save_state("gvq.init.", gvq)
gvq_h = torch.randn(3, 2, 4, CONV)
gvq_u = torch.rand(3, 2 * 4 * G, V)
gvq_t = torch.randn(3, 2, 4, CODE)
gvq_mask = torch.tensor([[True, True, False, True], [False, True, True, True]])
out["gvq.h"], out["gvq.u"], out["gvq.t"], out["gvq.mask"] = gvq_h, gvq_u, gvq_t, gvq_mask


def gvq_forward(step):
    q, perplexity = gvq(gvq_h[step], gvq_u[step], gvq_mask)
    num_codevectors = G * V
    diversity_loss = ((num_codevectors - perplexity) / num_codevectors) * gvq_mask.sum()
    loss = F.mse_loss(q, gvq_t[step]) + 0.1 * diversity_loss
    if step == 0:
        out["gvq.perplexity0"] = perplexity.detach().clone()
        out["gvq.div0"] = diversity_loss.detach().clone()
    return q, loss


gvq.train()
train("gvq.", gvq, torch.optim.Adam(gvq.parameters(), lr=0.05), 3, gvq_forward,
      first=lambda q: out.__setitem__("gvq.q0", q.detach().clone()))
with torch.no_grad():
    q, perp = gvq(gvq_h[0], gvq_u[0])
    out["gvq.nomask.q"], out["gvq.nomask.perplexity"] = q, perp
    gvq.eval()
    q, perp = gvq(gvq_h[0], None, gvq_mask)
    out["gvq.eval.q"], out["gvq.eval.perplexity"] = q, perp


# 2b. Wav2Vec2ForPreTraining's contrastive + diversity loss ------------------------------------------------------------
def compute_contrastive_logits(target_features, negative_features, predicted_features, temperature=0.1):
    target_features = torch.cat([target_features, negative_features], dim=0)
    # HF computes in .float() and casts back with type_as: dropped in this float64 program
    logits = torch.cosine_similarity(predicted_features, target_features, dim=-1)
    logits = logits / temperature
    return logits


class TinyWav2Vec2ForPreTraining(nn.Module):
    def __init__(self, conv_dim=6, hidden=8, proj_dim=5, codevector_dim=8):
        super().__init__()
        self.masked_spec_embed = nn.Parameter(torch.rand(hidden))  # HF: torch.Tensor(hidden).uniform_()
        self.feature_projection = nn.Linear(conv_dim, hidden)
        self.encoder = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU())  # stands in for the transformer
        self.quantizer = GumbelVectorQuantizer(conv_dim, codevector_dim, G, V)
        self.project_hid = nn.Linear(hidden, proj_dim)
        self.project_q = nn.Linear(codevector_dim, proj_dim)

    def forward(self, extract_features, noise, mask_time_indices, sampled_negative_indices):
        hidden_states = self.feature_projection(extract_features)
        hidden_states[mask_time_indices] = self.masked_spec_embed.to(hidden_states.dtype)  # _mask_hidden_states
        transformer_features = self.project_hid(self.encoder(hidden_states))
        quantized_features, codevector_perplexity = self.quantizer(extract_features, noise,
                                                                   mask_time_indices=mask_time_indices)
        quantized_features = quantized_features.to(self.project_q.weight.dtype)
        quantized_features = self.project_q(quantized_features)
        batch_size, sequence_length, hidden_size = quantized_features.shape
        negative_quantized_features = quantized_features.view(-1, hidden_size)[sampled_negative_indices.long().view(-1)]
        negative_quantized_features = negative_quantized_features.view(
            batch_size, sequence_length, -1, hidden_size).permute(2, 0, 1, 3)
        logits = compute_contrastive_logits(quantized_features[None, :], negative_quantized_features,
                                            transformer_features, 0.1)
        neg_is_pos = (quantized_features == negative_quantized_features).all(-1)
        if neg_is_pos.any():
            logits[1:][neg_is_pos] = float("-inf")
        logits = logits.transpose(0, 2).reshape(-1, logits.size(0))
        target = ((1 - mask_time_indices.long()) * -100).transpose(0, 1).flatten()
        contrastive_loss = nn.functional.cross_entropy(logits, target, reduction="sum")
        num_codevectors = V * G
        diversity_loss = ((num_codevectors - codevector_perplexity) / num_codevectors) * mask_time_indices.sum()
        loss = contrastive_loss + 0.1 * diversity_loss
        return loss, logits, neg_is_pos, contrastive_loss, diversity_loss


w2v = TinyWav2Vec2ForPreTraining()
save_state("w2v.init.", w2v)
W_B, W_T, W_K = 2, 5, 3
w2v_f = torch.randn(3, W_B, W_T, CONV)
w2v_u = torch.rand(3, W_B * W_T * G, V)
# time steps 1 and 3 of the first utterance get the same features and noise (they quantize alike), and the first
# negative of step 1 is step 3: neg_is_pos fires on every step
w2v_f[:, 0, 3] = w2v_f[:, 0, 1]
w2v_u.view(3, W_B, W_T, G, V)[:, 0, 3] = w2v_u.view(3, W_B, W_T, G, V)[:, 0, 1]
w2v_mask = torch.tensor([[False, True, True, False, True], [True, False, True, True, False]])
# negatives from the same utterance, never the step itself (as _sample_negative_indices), indices into B * T
neg = torch.zeros(3, W_B, W_T, W_K, dtype=torch.long)
gen = torch.Generator().manual_seed(1717)
for s_ in range(3):
    for b in range(W_B):
        for t in range(W_T):
            choices = [c for c in range(W_T) if c != t]
            perm = torch.randperm(len(choices), generator=gen)[:W_K]
            neg[s_, b, t] = torch.tensor([choices[i] for i in perm]) + b * W_T
neg[:, 0, 1, 0] = 3
out["w2v.f"], out["w2v.u"], out["w2v.mask"], out["w2v.neg"] = w2v_f, w2v_u, w2v_mask, neg


def w2v_forward(step):
    loss, logits, neg_is_pos, contrastive, diversity = w2v(w2v_f[step], w2v_u[step], w2v_mask, neg[step])
    assert neg_is_pos.any()
    out["w2v.neg_is_pos%d" % step] = neg_is_pos.clone()
    if step == 0:
        out["w2v.contrastive0"], out["w2v.diversity0"] = contrastive.detach().clone(), diversity.detach().clone()
    return logits, loss


w2v.train()
train("w2v.", w2v, torch.optim.Adam(w2v.parameters(), lr=0.02), 3, w2v_forward,
      first=lambda y: out.__setitem__("w2v.logits0", y.detach().clone()))


# 3. ConvNeXt (facebookresearch/ConvNeXt, float64) ---------------------------------------------------------------------
DP_U = []  # the uniforms drop_path draws, in call order


def drop_path(x, drop_prob: float = 0., training: bool = False):
    # timm 0.4's drop_path; torch.rand(shape) replaced by the next saved uniforms
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = keep_prob + DP_U.pop(0).view(shape)
    random_tensor.floor_()  # binarize
    output = x.div(keep_prob) * random_tensor
    return output


class DropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-6, data_format="channels_last"):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        if self.data_format not in ["channels_last", "channels_first"]:
            raise NotImplementedError
        self.normalized_shape = (normalized_shape,)

    def forward(self, x):
        if self.data_format == "channels_last":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        elif self.data_format == "channels_first":
            u = x.mean(1, keepdim=True)
            s = (x - u).pow(2).mean(1, keepdim=True)
            x = (x - u) / torch.sqrt(s + self.eps)
            x = self.weight[:, None, None] * x + self.bias[:, None, None]
            return x


class Block(nn.Module):
    def __init__(self, dim, drop_path=0., layer_scale_init_value=1e-6):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(layer_scale_init_value * torch.ones((dim)),
                                  requires_grad=True) if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()

    def forward(self, x):
        input = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.norm(x)
        x = self.pwconv1(x)
        x = self.act(x)
        x = self.pwconv2(x)
        if self.gamma is not None:
            x = self.gamma * x
        x = x.permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
        x = input + self.drop_path(x)
        return x


class ConvNeXt(nn.Module):
    def __init__(self, in_chans=3, num_classes=5, depths=[1, 1], dims=[4, 8], drop_path_rate=0.5,
                 layer_scale_init_value=0.5, head_init_scale=0.5):
        super().__init__()
        self.downsample_layers = nn.ModuleList()
        stem = nn.Sequential(
            nn.Conv2d(in_chans, dims[0], kernel_size=2, stride=2),  # the reference's 4x4/4 stem, smaller
            LayerNorm(dims[0], eps=1e-6, data_format="channels_first"))
        self.downsample_layers.append(stem)
        for i in range(len(dims) - 1):
            downsample_layer = nn.Sequential(
                LayerNorm(dims[i], eps=1e-6, data_format="channels_first"),
                nn.Conv2d(dims[i], dims[i + 1], kernel_size=2, stride=2))
            self.downsample_layers.append(downsample_layer)
        self.stages = nn.ModuleList()
        dp_rates = [x.item() for x in torch.linspace(0, drop_path_rate, sum(depths))]
        cur = 0
        for i in range(len(dims)):
            stage = nn.Sequential(*[Block(dim=dims[i], drop_path=dp_rates[cur + j],
                                          layer_scale_init_value=layer_scale_init_value) for j in range(depths[i])])
            self.stages.append(stage)
            cur += depths[i]
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)
        self.head = nn.Linear(dims[-1], num_classes)
        self.apply(self._init_weights)
        self.head.weight.data.mul_(head_init_scale)
        self.head.bias.data.mul_(head_init_scale)

    def _init_weights(self, m):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.trunc_normal_(m.weight, std=.2)  # the reference's std .02, larger for a tiny net
            nn.init.constant_(m.bias, 0)

    def forward_features(self, x):
        for i in range(len(self.stages)):
            x = self.downsample_layers[i](x)
            x = self.stages[i](x)
        return self.norm(x.mean([-2, -1]))

    def forward(self, x):
        x = self.forward_features(x)
        x = self.head(x)
        return x


cnx = ConvNeXt()
save_state("cnx.init.", cnx)
cnx_x = torch.randn(3, 4, 3, 8, 8)
cnx_y = torch.tensor([[0, 3, 1, 4], [2, 2, 0, 1], [4, 3, 2, 1]])
cnx_u = torch.rand(3, 4)
out["cnx.x"], out["cnx.y"], out["cnx.u"] = cnx_x, cnx_y, cnx_u
keep = (0.5 + cnx_u).floor()
assert 0 < keep.sum() < keep.numel()
with torch.no_grad():
    xin = cnx_x[0]
    out["cnx.ln_cf"] = cnx.downsample_layers[0](xin)


def cnx_forward(step):
    DP_U.append(cnx_u[step])
    y = cnx(cnx_x[step])
    return y, F.cross_entropy(y, cnx_y[step])


cnx.train()
train("cnx.", cnx, torch.optim.AdamW(cnx.parameters(), lr=0.01, weight_decay=0.05), 3, cnx_forward,
      first=lambda y: out.__setitem__("cnx.y0", y.detach().clone()))
assert not DP_U
cnx.eval()
with torch.no_grad():
    out["cnx.eval"] = cnx(cnx_x[0])


# 4. Swin's BasicLayer and PatchMerging ---------------------------------------------------------------------------------
def window_partition(x, window_size):
    B, H, W, C = x.shape
    x = x.view(B, H // window_size, window_size, W // window_size, window_size, C)
    windows = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, window_size, window_size, C)
    return windows


def window_reverse(windows, window_size, H, W):
    B = int(windows.shape[0] / (H * W / window_size / window_size))
    x = windows.view(B, H // window_size, W // window_size, window_size, window_size, -1)
    x = x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)
    return x


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, out_features=None, act_layer=nn.GELU, drop=0.):
        super().__init__()
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop(x)
        x = self.fc2(x)
        x = self.drop(x)
        return x


class WindowAttention(nn.Module):
    def __init__(self, dim, window_size, num_heads, qkv_bias=True, qk_scale=None, attn_drop=0., proj_drop=0.):
        super().__init__()
        self.dim = dim
        self.window_size = window_size  # Wh, Ww
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.scale = qk_scale or head_dim ** -0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size[0] - 1) * (2 * window_size[1] - 1), num_heads))
        coords_h = torch.arange(self.window_size[0])
        coords_w = torch.arange(self.window_size[1])
        coords = torch.stack(torch.meshgrid([coords_h, coords_w]))  # 2, Wh, Ww (1.13's default indexing is "ij")
        coords_flatten = torch.flatten(coords, 1)  # 2, Wh*Ww
        relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]  # 2, Wh*Ww, Wh*Ww
        relative_coords = relative_coords.permute(1, 2, 0).contiguous()  # Wh*Ww, Wh*Ww, 2
        relative_coords[:, :, 0] += self.window_size[0] - 1  # shift to start from 0
        relative_coords[:, :, 1] += self.window_size[1] - 1
        relative_coords[:, :, 0] *= 2 * self.window_size[1] - 1
        relative_position_index = relative_coords.sum(-1)  # Wh*Ww, Wh*Ww
        self.register_buffer("relative_position_index", relative_position_index)
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=.5)  # the reference's .02, larger here
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1))
        relative_position_bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(
            self.window_size[0] * self.window_size[1], self.window_size[0] * self.window_size[1], -1)
        relative_position_bias = relative_position_bias.permute(2, 0, 1).contiguous()  # nH, Wh*Ww, Wh*Ww
        attn = attn + relative_position_bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
            attn = self.softmax(attn)
        else:
            attn = self.softmax(attn)
        attn = self.attn_drop(attn)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        x = self.proj(x)
        x = self.proj_drop(x)
        return x


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim, input_resolution, num_heads, window_size=7, shift_size=0, mlp_ratio=4., qkv_bias=True):
        super().__init__()
        self.dim = dim
        self.input_resolution = input_resolution
        self.num_heads = num_heads
        self.window_size = window_size
        self.shift_size = shift_size
        self.mlp_ratio = mlp_ratio
        if min(self.input_resolution) <= self.window_size:
            self.shift_size = 0
            self.window_size = min(self.input_resolution)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window_size=(self.window_size, self.window_size), num_heads=num_heads,
                                    qkv_bias=qkv_bias)
        self.drop_path = nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        mlp_hidden_dim = int(dim * mlp_ratio)
        self.mlp = Mlp(in_features=dim, hidden_features=mlp_hidden_dim)
        if self.shift_size > 0:
            H, W = self.input_resolution
            img_mask = torch.zeros((1, H, W, 1))  # 1 H W 1
            h_slices = (slice(0, -self.window_size),
                        slice(-self.window_size, -self.shift_size),
                        slice(-self.shift_size, None))
            w_slices = (slice(0, -self.window_size),
                        slice(-self.window_size, -self.shift_size),
                        slice(-self.shift_size, None))
            cnt = 0
            for h in h_slices:
                for w in w_slices:
                    img_mask[:, h, w, :] = cnt
                    cnt += 1
            mask_windows = window_partition(img_mask, self.window_size)  # nW, window_size, window_size, 1
            mask_windows = mask_windows.view(-1, self.window_size * self.window_size)
            attn_mask = mask_windows.unsqueeze(1) - mask_windows.unsqueeze(2)
            attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))
        else:
            attn_mask = None
        self.register_buffer("attn_mask", attn_mask)

    def forward(self, x):
        H, W = self.input_resolution
        B, L, C = x.shape
        assert L == H * W, "input feature has wrong size"
        shortcut = x
        x = self.norm1(x)
        x = x.view(B, H, W, C)
        if self.shift_size > 0:
            shifted_x = torch.roll(x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2))
        else:
            shifted_x = x
        x_windows = window_partition(shifted_x, self.window_size)  # nW*B, window_size, window_size, C
        x_windows = x_windows.view(-1, self.window_size * self.window_size, C)  # nW*B, window_size*window_size, C
        attn_windows = self.attn(x_windows, mask=self.attn_mask)  # nW*B, window_size*window_size, C
        attn_windows = attn_windows.view(-1, self.window_size, self.window_size, C)
        shifted_x = window_reverse(attn_windows, self.window_size, H, W)  # B H' W' C
        if self.shift_size > 0:
            x = torch.roll(shifted_x, shifts=(self.shift_size, self.shift_size), dims=(1, 2))
        else:
            x = shifted_x
        x = x.view(B, H * W, C)
        x = shortcut + self.drop_path(x)
        x = x + self.drop_path(self.mlp(self.norm2(x)))
        return x


class PatchMerging(nn.Module):
    def __init__(self, input_resolution, dim, norm_layer=nn.LayerNorm):
        super().__init__()
        self.input_resolution = input_resolution
        self.dim = dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = norm_layer(4 * dim)

    def forward(self, x):
        H, W = self.input_resolution
        B, L, C = x.shape
        assert L == H * W, "input feature has wrong size"
        assert H % 2 == 0 and W % 2 == 0, f"x size ({H}*{W}) are not even."
        x = x.view(B, H, W, C)
        x0 = x[:, 0::2, 0::2, :]  # B H/2 W/2 C
        x1 = x[:, 1::2, 0::2, :]  # B H/2 W/2 C
        x2 = x[:, 0::2, 1::2, :]  # B H/2 W/2 C
        x3 = x[:, 1::2, 1::2, :]  # B H/2 W/2 C
        x = torch.cat([x0, x1, x2, x3], -1)  # B H/2 W/2 4*C
        x = x.view(B, -1, 4 * C)  # B H/2*W/2 4*C
        x = self.norm(x)
        x = self.reduction(x)
        return x


class BasicLayer(nn.Module):
    def __init__(self, dim, input_resolution, depth, num_heads, window_size, downsample=None):
        super().__init__()
        self.blocks = nn.ModuleList([
            SwinTransformerBlock(dim=dim, input_resolution=input_resolution, num_heads=num_heads,
                                 window_size=window_size, shift_size=0 if (i % 2 == 0) else window_size // 2)
            for i in range(depth)])
        if downsample is not None:
            self.downsample = downsample(input_resolution, dim=dim)
        else:
            self.downsample = None

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class TinySwin(nn.Module):  # SwinTransformer's forward_features and head after the patch embedding
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([BasicLayer(8, (6, 6), 2, 2, 3, downsample=PatchMerging)])
        self.norm = nn.LayerNorm(16)
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)  # B L C
        x = self.avgpool(x.transpose(1, 2))  # B C 1
        x = torch.flatten(x, 1)
        return self.head(x)


swin = TinySwin()
save_state("swin.init.", swin)
swin_x = torch.randn(3, 2, 36, 8)
swin_y = torch.tensor([[0, 3], [2, 1], [1, 1]])
out["swin.x"], out["swin.y"] = swin_x, swin_y
with torch.no_grad():
    out["swin.merged"] = swin.layers[0].downsample(swin_x[0])
train("swin.", swin, torch.optim.AdamW(swin.parameters(), lr=0.01, weight_decay=0.05), 3,
      lambda s: (lambda y: (y, F.cross_entropy(y, swin_y[s])))(swin(swin_x[s])),
      first=lambda y: out.__setitem__("swin.y0", y.detach().clone()))


# 5. PointNet with the feature transform (fxia22/pointnet.pytorch) ----------------------------------------------------
C1, C2, C3, F1, F2 = 8, 16, 32, 16, 8  # the reference's 64, 128, 1024, 512, 256


class STN3d(nn.Module):
    def __init__(self):
        super(STN3d, self).__init__()
        self.conv1 = torch.nn.Conv1d(3, C1, 1)
        self.conv2 = torch.nn.Conv1d(C1, C2, 1)
        self.conv3 = torch.nn.Conv1d(C2, C3, 1)
        self.fc1 = nn.Linear(C3, F1)
        self.fc2 = nn.Linear(F1, F2)
        self.fc3 = nn.Linear(F2, 9)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm1d(C1)
        self.bn2 = nn.BatchNorm1d(C2)
        self.bn3 = nn.BatchNorm1d(C3)
        self.bn4 = nn.BatchNorm1d(F1)
        self.bn5 = nn.BatchNorm1d(F2)

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, C3)
        x = F.relu(self.bn4(self.fc1(x)))
        x = F.relu(self.bn5(self.fc2(x)))
        x = self.fc3(x)
        iden = torch.from_numpy(np.array([1, 0, 0, 0, 1, 0, 0, 0, 1]).astype(np.float32)).view(1, 9).repeat(batchsize, 1)
        x = x + iden
        x = x.view(-1, 3, 3)
        return x


class STNkd(nn.Module):
    def __init__(self, k=64):
        super(STNkd, self).__init__()
        self.conv1 = torch.nn.Conv1d(k, C1, 1)
        self.conv2 = torch.nn.Conv1d(C1, C2, 1)
        self.conv3 = torch.nn.Conv1d(C2, C3, 1)
        self.fc1 = nn.Linear(C3, F1)
        self.fc2 = nn.Linear(F1, F2)
        self.fc3 = nn.Linear(F2, k * k)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm1d(C1)
        self.bn2 = nn.BatchNorm1d(C2)
        self.bn3 = nn.BatchNorm1d(C3)
        self.bn4 = nn.BatchNorm1d(F1)
        self.bn5 = nn.BatchNorm1d(F2)
        self.k = k

    def forward(self, x):
        batchsize = x.size()[0]
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.relu(self.bn3(self.conv3(x)))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, C3)
        x = F.relu(self.bn4(self.fc1(x)))
        x = F.relu(self.bn5(self.fc2(x)))
        x = self.fc3(x)
        iden = torch.from_numpy(np.eye(self.k).flatten().astype(np.float32)).view(1, self.k * self.k).repeat(batchsize, 1)
        x = x + iden
        x = x.view(-1, self.k, self.k)
        return x


class PointNetfeat(nn.Module):
    def __init__(self, global_feat=True, feature_transform=False):
        super(PointNetfeat, self).__init__()
        self.stn = STN3d()
        self.conv1 = torch.nn.Conv1d(3, C1, 1)
        self.conv2 = torch.nn.Conv1d(C1, C2, 1)
        self.conv3 = torch.nn.Conv1d(C2, C3, 1)
        self.bn1 = nn.BatchNorm1d(C1)
        self.bn2 = nn.BatchNorm1d(C2)
        self.bn3 = nn.BatchNorm1d(C3)
        self.global_feat = global_feat
        self.feature_transform = feature_transform
        if self.feature_transform:
            self.fstn = STNkd(k=C1)

    def forward(self, x):
        n_pts = x.size()[2]
        trans = self.stn(x)
        x = x.transpose(2, 1)
        x = torch.bmm(x, trans)
        x = x.transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        if self.feature_transform:
            trans_feat = self.fstn(x)
            x = x.transpose(2, 1)
            x = torch.bmm(x, trans_feat)
            x = x.transpose(2, 1)
        else:
            trans_feat = None
        pointfeat = x
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        x = torch.max(x, 2, keepdim=True)[0]
        x = x.view(-1, C3)
        if self.global_feat:
            return x, trans, trans_feat
        else:
            x = x.view(-1, C3, 1).repeat(1, 1, n_pts)
            return torch.cat([x, pointfeat], 1), trans, trans_feat


class PointNetCls(nn.Module):
    def __init__(self, k=2, feature_transform=False):
        super(PointNetCls, self).__init__()
        self.feature_transform = feature_transform
        self.feat = PointNetfeat(global_feat=True, feature_transform=feature_transform)
        self.fc1 = nn.Linear(C3, F1)
        self.fc2 = nn.Linear(F1, F2)
        self.fc3 = nn.Linear(F2, k)
        self.dropout = nn.Dropout(p=0.0)  # the reference's p=0.3: a train-mode mask cannot be shared
        self.bn1 = nn.BatchNorm1d(F1)
        self.bn2 = nn.BatchNorm1d(F2)
        self.relu = nn.ReLU()

    def forward(self, x):
        x, trans, trans_feat = self.feat(x)
        x = F.relu(self.bn1(self.fc1(x)))
        x = F.relu(self.bn2(self.dropout(self.fc2(x))))
        x = self.fc3(x)
        return F.log_softmax(x, dim=1), trans, trans_feat


def feature_transform_regularizer(trans):
    d = trans.size()[1]
    batchsize = trans.size()[0]
    I = torch.eye(d)[None, :, :]
    loss = torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - I, dim=(1, 2)))
    return loss


pn = PointNetCls(k=4, feature_transform=True)
save_state("pn.init.", pn)
pn_x = torch.randn(3, 5, 3, 12)
pn_y = torch.tensor([[0, 3, 2, 1, 1], [2, 2, 0, 3, 1], [1, 0, 3, 3, 2]])
out["pn.x"], out["pn.y"] = pn_x, pn_y


def pn_forward(step):
    pred, trans, trans_feat = pn(pn_x[step])
    loss = F.nll_loss(pred, pn_y[step])
    reg = feature_transform_regularizer(trans_feat)
    loss += reg * 0.001
    if step == 0:
        out["pn.trans0"], out["pn.trans_feat0"] = trans.detach().clone(), trans_feat.detach().clone()
        out["pn.reg0"] = reg.detach().clone()
    return pred, loss


pn.train()
train("pn.", pn, torch.optim.Adam(pn.parameters(), lr=0.01, betas=(0.9, 0.999)), 3, pn_forward,
      first=lambda y: out.__setitem__("pn.pred0", y.detach().clone()))
save_buffers("pn.buffers.", pn)
pn.eval()
with torch.no_grad():
    out["pn.eval"] = pn(pn_x[0])[0]


# 6. T5 (Hugging Face's modeling_t5) ------------------------------------------------------------------------------------
T5_HF_CASTS = False  # HF's float32 casts: off in float64 (they would round down), on in the bfloat16 step


class T5Config:
    vocab_size, d_model, d_kv, d_ff, num_heads, num_layers = 16, 8, 4, 16, 2, 2
    relative_attention_num_buckets, relative_attention_max_distance = 8, 16
    layer_norm_epsilon, pad_token_id, decoder_start_token_id = 1e-6, 0, 0

    def __init__(self, is_decoder=False):
        self.is_decoder = is_decoder


class T5LayerNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        if T5_HF_CASTS:
            variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        else:
            variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        if self.weight.dtype in [torch.float16, torch.bfloat16]:
            hidden_states = hidden_states.to(self.weight.dtype)
        return self.weight * hidden_states


class T5DenseActDense(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.wi = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.wo = nn.Linear(config.d_ff, config.d_model, bias=False)
        self.dropout = nn.Dropout(0.0)
        self.act = nn.ReLU()

    def forward(self, hidden_states):
        hidden_states = self.wi(hidden_states)
        hidden_states = self.act(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.wo(hidden_states)
        return hidden_states


class T5LayerFF(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.DenseReluDense = T5DenseActDense(config)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(0.0)

    def forward(self, hidden_states):
        forwarded_states = self.layer_norm(hidden_states)
        forwarded_states = self.DenseReluDense(forwarded_states)
        hidden_states = hidden_states + self.dropout(forwarded_states)
        return hidden_states


class T5Attention(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.is_decoder = config.is_decoder
        self.has_relative_attention_bias = has_relative_attention_bias
        self.relative_attention_num_buckets = config.relative_attention_num_buckets
        self.relative_attention_max_distance = config.relative_attention_max_distance
        self.d_model = config.d_model
        self.key_value_proj_dim = config.d_kv
        self.n_heads = config.num_heads
        self.inner_dim = self.n_heads * self.key_value_proj_dim
        self.q = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.k = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.v = nn.Linear(self.d_model, self.inner_dim, bias=False)
        self.o = nn.Linear(self.inner_dim, self.d_model, bias=False)
        if self.has_relative_attention_bias:
            self.relative_attention_bias = nn.Embedding(self.relative_attention_num_buckets, self.n_heads)

    @staticmethod
    def _relative_position_bucket(relative_position, bidirectional=True, num_buckets=32, max_distance=128):
        relative_buckets = 0
        if bidirectional:
            num_buckets //= 2
            relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
            relative_position = torch.abs(relative_position)
        else:
            relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
        max_exact = num_buckets // 2
        is_small = relative_position < max_exact
        relative_position_if_large = max_exact + (
            torch.log(relative_position.float() / max_exact)
            / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)
        ).to(torch.long)
        relative_position_if_large = torch.min(
            relative_position_if_large, torch.full_like(relative_position_if_large, num_buckets - 1))
        relative_buckets += torch.where(is_small, relative_position, relative_position_if_large)
        return relative_buckets

    def compute_bias(self, query_length, key_length):
        context_position = torch.arange(query_length, dtype=torch.long)[:, None]
        memory_position = torch.arange(key_length, dtype=torch.long)[None, :]
        relative_position = memory_position - context_position  # shape (query_length, key_length)
        relative_position_bucket = self._relative_position_bucket(
            relative_position, bidirectional=(not self.is_decoder), num_buckets=self.relative_attention_num_buckets,
            max_distance=self.relative_attention_max_distance)
        values = self.relative_attention_bias(relative_position_bucket)  # (query_length, key_length, n_heads)
        values = values.permute([2, 0, 1]).unsqueeze(0)  # (1, n_heads, query_length, key_length)
        return values

    def forward(self, hidden_states, mask=None, key_value_states=None, position_bias=None):
        batch_size, seq_length = hidden_states.shape[:2]
        real_seq_length = seq_length
        key_length = real_seq_length if key_value_states is None else key_value_states.shape[1]

        def shape(states):
            return states.view(batch_size, -1, self.n_heads, self.key_value_proj_dim).transpose(1, 2)

        def unshape(states):
            return states.transpose(1, 2).contiguous().view(batch_size, -1, self.inner_dim)

        def project(hidden_states, proj_layer, key_value_states):
            if key_value_states is None:
                return shape(proj_layer(hidden_states))
            return shape(proj_layer(key_value_states))

        query_states = shape(self.q(hidden_states))
        key_states = project(hidden_states, self.k, key_value_states)
        value_states = project(hidden_states, self.v, key_value_states)
        scores = torch.matmul(query_states, key_states.transpose(3, 2))
        if position_bias is None:
            if not self.has_relative_attention_bias:
                position_bias = torch.zeros((1, self.n_heads, real_seq_length, key_length), dtype=scores.dtype)
            else:
                position_bias = self.compute_bias(real_seq_length, key_length)
            if mask is not None:
                position_bias = position_bias + mask  # (batch_size, n_heads, seq_length, key_length)
        position_bias_masked = position_bias
        scores += position_bias_masked
        if T5_HF_CASTS:
            attn_weights = nn.functional.softmax(scores.float(), dim=-1).type_as(scores)
        else:
            attn_weights = nn.functional.softmax(scores, dim=-1)
        attn_weights = nn.functional.dropout(attn_weights, p=0.0, training=self.training)
        attn_output = unshape(torch.matmul(attn_weights, value_states))
        attn_output = self.o(attn_output)
        return attn_output, position_bias


class T5LayerSelfAttention(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.SelfAttention = T5Attention(config, has_relative_attention_bias=has_relative_attention_bias)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(0.0)

    def forward(self, hidden_states, attention_mask=None, position_bias=None):
        normed_hidden_states = self.layer_norm(hidden_states)
        attention_output = self.SelfAttention(normed_hidden_states, mask=attention_mask, position_bias=position_bias)
        hidden_states = hidden_states + self.dropout(attention_output[0])
        return (hidden_states,) + attention_output[1:]


class T5LayerCrossAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.EncDecAttention = T5Attention(config, has_relative_attention_bias=False)
        self.layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(0.0)

    def forward(self, hidden_states, key_value_states, attention_mask=None, position_bias=None):
        normed_hidden_states = self.layer_norm(hidden_states)
        attention_output = self.EncDecAttention(normed_hidden_states, mask=attention_mask,
                                                key_value_states=key_value_states, position_bias=position_bias)
        layer_output = hidden_states + self.dropout(attention_output[0])
        return (layer_output,) + attention_output[1:]


class T5Block(nn.Module):
    def __init__(self, config, has_relative_attention_bias=False):
        super().__init__()
        self.is_decoder = config.is_decoder
        self.layer = nn.ModuleList()
        self.layer.append(T5LayerSelfAttention(config, has_relative_attention_bias=has_relative_attention_bias))
        if self.is_decoder:
            self.layer.append(T5LayerCrossAttention(config))
        self.layer.append(T5LayerFF(config))

    def forward(self, hidden_states, attention_mask=None, position_bias=None, encoder_hidden_states=None,
                encoder_attention_mask=None, encoder_decoder_position_bias=None):
        self_attention_outputs = self.layer[0](hidden_states, attention_mask=attention_mask,
                                               position_bias=position_bias)
        hidden_states = self_attention_outputs[0]
        attention_outputs = self_attention_outputs[1:]
        if self.is_decoder and encoder_hidden_states is not None:
            cross_attention_outputs = self.layer[1](hidden_states, key_value_states=encoder_hidden_states,
                                                    attention_mask=encoder_attention_mask,
                                                    position_bias=encoder_decoder_position_bias)
            hidden_states = cross_attention_outputs[0]
            attention_outputs = attention_outputs + cross_attention_outputs[1:]
        hidden_states = self.layer[-1](hidden_states)
        return (hidden_states,) + attention_outputs


class T5Stack(nn.Module):
    def __init__(self, config, embed_tokens=None):
        super().__init__()
        self.embed_tokens = embed_tokens
        self.is_decoder = config.is_decoder
        self.block = nn.ModuleList([T5Block(config, has_relative_attention_bias=bool(i == 0))
                                    for i in range(config.num_layers)])
        self.final_layer_norm = T5LayerNorm(config.d_model, eps=config.layer_norm_epsilon)
        self.dropout = nn.Dropout(0.0)

    def get_extended_attention_mask(self, attention_mask, input_shape, dtype):
        if attention_mask.dim() == 2:
            if self.is_decoder:  # ModuleUtilsMixin.create_extended_attention_mask_for_decoder
                batch_size, seq_length = input_shape
                seq_ids = torch.arange(seq_length)
                causal_mask = seq_ids[None, None, :].repeat(batch_size, seq_length, 1) <= seq_ids[None, :, None]
                causal_mask = causal_mask.to(attention_mask.dtype)
                extended_attention_mask = causal_mask[:, None, :, :] * attention_mask[:, None, None, :]
            else:
                extended_attention_mask = attention_mask[:, None, None, :]
        extended_attention_mask = extended_attention_mask.to(dtype=dtype)
        extended_attention_mask = (1.0 - extended_attention_mask) * torch.finfo(dtype).min
        return extended_attention_mask

    def invert_attention_mask(self, encoder_attention_mask, dtype):
        encoder_extended_attention_mask = encoder_attention_mask[:, None, None, :]
        encoder_extended_attention_mask = encoder_extended_attention_mask.to(dtype=dtype)
        encoder_extended_attention_mask = (1.0 - encoder_extended_attention_mask) * torch.finfo(dtype).min
        return encoder_extended_attention_mask

    def forward(self, input_ids, attention_mask=None, encoder_hidden_states=None, encoder_attention_mask=None):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        inputs_embeds = self.embed_tokens(input_ids)
        batch_size, seq_length = input_shape
        if attention_mask is None:
            attention_mask = torch.ones(batch_size, seq_length)
        extended_attention_mask = self.get_extended_attention_mask(attention_mask, input_shape, inputs_embeds.dtype)
        if self.is_decoder and encoder_hidden_states is not None:
            encoder_extended_attention_mask = self.invert_attention_mask(encoder_attention_mask, inputs_embeds.dtype)
        else:
            encoder_extended_attention_mask = None
        position_bias = None
        encoder_decoder_position_bias = None
        hidden_states = self.dropout(inputs_embeds)
        for i, layer_module in enumerate(self.block):
            layer_outputs = layer_module(hidden_states, attention_mask=extended_attention_mask,
                                         position_bias=position_bias, encoder_hidden_states=encoder_hidden_states,
                                         encoder_attention_mask=encoder_extended_attention_mask,
                                         encoder_decoder_position_bias=encoder_decoder_position_bias)
            hidden_states = layer_outputs[0]
            position_bias = layer_outputs[1]
            if self.is_decoder and encoder_hidden_states is not None:
                encoder_decoder_position_bias = layer_outputs[2]
        hidden_states = self.final_layer_norm(hidden_states)
        hidden_states = self.dropout(hidden_states)
        return hidden_states


class T5ForConditionalGeneration(nn.Module):
    def __init__(self):
        super().__init__()
        config = T5Config()
        self.model_dim = config.d_model
        self.config = config
        self.shared = nn.Embedding(config.vocab_size, config.d_model)
        self.encoder = T5Stack(T5Config(is_decoder=False), self.shared)
        self.decoder = T5Stack(T5Config(is_decoder=True), self.shared)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.shared.weight  # tie_word_embeddings

    def _shift_right(self, input_ids):
        decoder_start_token_id = self.config.decoder_start_token_id
        pad_token_id = self.config.pad_token_id
        shifted_input_ids = input_ids.new_zeros(input_ids.shape)
        shifted_input_ids[..., 1:] = input_ids[..., :-1].clone()
        shifted_input_ids[..., 0] = decoder_start_token_id
        shifted_input_ids.masked_fill_(shifted_input_ids == -100, pad_token_id)
        return shifted_input_ids

    def forward(self, input_ids, attention_mask, labels):
        hidden_states = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        decoder_input_ids = self._shift_right(labels)
        sequence_output = self.decoder(input_ids=decoder_input_ids, encoder_hidden_states=hidden_states,
                                       encoder_attention_mask=attention_mask)
        sequence_output = sequence_output * (self.model_dim ** -0.5)  # tie_word_embeddings
        lm_logits = self.lm_head(sequence_output)
        loss_fct = nn.CrossEntropyLoss(ignore_index=-100)
        loss = loss_fct(lm_logits.view(-1, lm_logits.size(-1)), labels.view(-1))
        return loss, lm_logits, decoder_input_ids


t5 = T5ForConditionalGeneration()
save_state("t5.init.", t5)
t5_ids = torch.randint(1, 16, (3, 2, 7))
t5_am = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]])
t5_ids[:, 1, 5:] = 0
t5_labels = torch.randint(1, 16, (3, 2, 6))
t5_labels[:, 0, 4:] = -100
out["t5.ids"], out["t5.am"], out["t5.labels"] = t5_ids, t5_am, t5_labels
out["t5.bucket_enc"] = T5Attention._relative_position_bucket(torch.arange(7)[None, :] - torch.arange(7)[:, None],
                                                              True, 8, 16)
out["t5.bucket_dec"] = T5Attention._relative_position_bucket(torch.arange(6)[None, :] - torch.arange(6)[:, None],
                                                              False, 8, 16)

# the buckets over a wide range for T5's defaults and other sizes, through the log buckets and the clamp (a float64 log
# instead of .float()'s float32 one gives the same buckets for all of these: no position sits on a rounding boundary)
wide = torch.arange(-600, 601)
for nb, md in [(32, 128), (64, 256), (16, 64), (8, 16), (128, 512)]:
    out["t5.wide.%d.%d.bi" % (nb, md)] = T5Attention._relative_position_bucket(wide, True, nb, md).to(torch.uint8)
    out["t5.wide.%d.%d.uni" % (nb, md)] = T5Attention._relative_position_bucket(wide, False, nb, md).to(torch.uint8)


def t5_forward(step):
    loss, lm_logits, dec_ids = t5(t5_ids[step], t5_am, t5_labels[step])
    if step == 0:
        out["t5.dec_ids0"] = dec_ids
    return lm_logits, loss


train("t5.", t5, torch.optim.AdamW(t5.parameters(), lr=0.02, weight_decay=0.01), 3, t5_forward,
      first=lambda y: out.__setitem__("t5.logits0", y.detach().clone()))


# 6b. Wav2Vec2's front end (Hugging Face) -------------------------------------------------------------------------------
class W2VConfig:
    conv_dim, conv_kernel, conv_stride, conv_bias = (4, 6), (5, 3), (3, 2), False
    hidden_size, num_conv_pos_embeddings, num_conv_pos_embedding_groups, layer_norm_eps = 8, 4, 2, 1e-5


class Wav2Vec2GroupNormConvLayer(nn.Module):
    def __init__(self, config, layer_id=0):
        super().__init__()
        self.in_conv_dim = config.conv_dim[layer_id - 1] if layer_id > 0 else 1
        self.out_conv_dim = config.conv_dim[layer_id]
        self.conv = nn.Conv1d(self.in_conv_dim, self.out_conv_dim, kernel_size=config.conv_kernel[layer_id],
                              stride=config.conv_stride[layer_id], bias=config.conv_bias)
        self.activation = nn.GELU()
        self.layer_norm = nn.GroupNorm(num_groups=self.out_conv_dim, num_channels=self.out_conv_dim, affine=True)

    def forward(self, hidden_states):
        hidden_states = self.conv(hidden_states)
        hidden_states = self.layer_norm(hidden_states)
        hidden_states = self.activation(hidden_states)
        return hidden_states


class Wav2Vec2NoLayerNormConvLayer(nn.Module):
    def __init__(self, config, layer_id=0):
        super().__init__()
        self.in_conv_dim = config.conv_dim[layer_id - 1] if layer_id > 0 else 1
        self.out_conv_dim = config.conv_dim[layer_id]
        self.conv = nn.Conv1d(self.in_conv_dim, self.out_conv_dim, kernel_size=config.conv_kernel[layer_id],
                              stride=config.conv_stride[layer_id], bias=config.conv_bias)
        self.activation = nn.GELU()

    def forward(self, hidden_states):
        hidden_states = self.conv(hidden_states)
        hidden_states = self.activation(hidden_states)
        return hidden_states


class Wav2Vec2FeatureEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        conv_layers = [Wav2Vec2GroupNormConvLayer(config, layer_id=0)] + [
            Wav2Vec2NoLayerNormConvLayer(config, layer_id=i + 1) for i in range(len(config.conv_dim) - 1)]
        self.conv_layers = nn.ModuleList(conv_layers)
        self._requires_grad = True

    def forward(self, input_values):
        hidden_states = input_values[:, None]
        # make sure hidden_states require grad for gradient_checkpointing
        if self._requires_grad and self.training:
            hidden_states.requires_grad = True
        self.input_view = hidden_states  # kept here to read its gradient (the reference keeps no handle)
        for conv_layer in self.conv_layers:
            hidden_states = conv_layer(hidden_states)
        return hidden_states


class Wav2Vec2FeatureProjection(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer_norm = nn.LayerNorm(config.conv_dim[-1], eps=config.layer_norm_eps)
        self.projection = nn.Linear(config.conv_dim[-1], config.hidden_size)
        self.dropout = nn.Dropout(0.0)

    def forward(self, hidden_states):
        norm_hidden_states = self.layer_norm(hidden_states)
        hidden_states = self.projection(norm_hidden_states)
        hidden_states = self.dropout(hidden_states)
        return hidden_states, norm_hidden_states


class Wav2Vec2SamePadLayer(nn.Module):
    def __init__(self, num_conv_pos_embeddings):
        super().__init__()
        self.num_pad_remove = 1 if num_conv_pos_embeddings % 2 == 0 else 0

    def forward(self, hidden_states):
        if self.num_pad_remove > 0:
            hidden_states = hidden_states[:, :, : -self.num_pad_remove]
        return hidden_states


class Wav2Vec2PositionalConvEmbedding(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.conv = nn.Conv1d(config.hidden_size, config.hidden_size, kernel_size=config.num_conv_pos_embeddings,
                              padding=config.num_conv_pos_embeddings // 2,
                              groups=config.num_conv_pos_embedding_groups)
        weight_norm = nn.utils.weight_norm
        if hasattr(nn.utils.parametrizations, "weight_norm"):
            weight_norm = nn.utils.parametrizations.weight_norm
        self.conv = weight_norm(self.conv, name="weight", dim=2)
        self.padding = Wav2Vec2SamePadLayer(config.num_conv_pos_embeddings)
        self.activation = nn.GELU()

    def forward(self, hidden_states):
        hidden_states = hidden_states.transpose(1, 2)
        hidden_states = self.conv(hidden_states)
        hidden_states = self.padding(hidden_states)
        hidden_states = self.activation(hidden_states)
        hidden_states = hidden_states.transpose(1, 2)
        return hidden_states


class TinyWav2Vec2FrameClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        config = W2VConfig()
        self.feature_extractor = Wav2Vec2FeatureEncoder(config)
        self.feature_projection = Wav2Vec2FeatureProjection(config)
        self.pos_conv_embed = Wav2Vec2PositionalConvEmbedding(config)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.head = nn.Linear(config.hidden_size, 5)

    def forward(self, input_values):
        extract_features = self.feature_extractor(input_values)
        extract_features = extract_features.transpose(1, 2)
        hidden_states, extract_features = self.feature_projection(extract_features)
        position_embeddings = self.pos_conv_embed(hidden_states)  # Wav2Vec2Encoder.forward
        hidden_states = hidden_states + position_embeddings
        hidden_states = self.layer_norm(hidden_states)
        return self.head(hidden_states)


assert not hasattr(nn.utils.parametrizations, "weight_norm")  # 1.13: HF falls back to the 1.x weight_norm
fe = TinyWav2Vec2FrameClassifier()
save_state("w2vfe.init.", fe)
fe_x = torch.randn(3, 2, 40)
fe_y = torch.randint(0, 5, (3, 2, 5))
out["w2vfe.x"], out["w2vfe.y"] = fe_x, fe_y
fe.train()
train("w2vfe.", fe, torch.optim.Adam(fe.parameters(), lr=0.02), 3,
      lambda s_: (lambda y: (y, F.cross_entropy(y.reshape(-1, 5), fe_y[s_].reshape(-1))))(fe(fe_x[s_])),
      first=lambda y: (out.__setitem__("w2vfe.logits0", y.detach().clone()),
                       out.__setitem__("w2vfe.input_grad0", fe.feature_extractor.input_view.grad.clone())))
# 4b. Swin Transformer V2 (placed last, not to move the random numbers the programs above drew) -------------------
class WindowAttentionV2(nn.Module):
    def __init__(self, dim, window_size, num_heads, qkv_bias=True, attn_drop=0., proj_drop=0.,
                 pretrained_window_size=[0, 0]):
        super().__init__()
        self.dim = dim
        self.window_size = window_size  # Wh, Ww
        self.pretrained_window_size = pretrained_window_size
        self.num_heads = num_heads
        self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((num_heads, 1, 1))), requires_grad=True)
        # mlp to generate continuous relative position bias
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 16, bias=True),  # 512 in the reference
                                     nn.ReLU(inplace=True),
                                     nn.Linear(16, num_heads, bias=False))
        # get relative_coords_table
        relative_coords_h = torch.arange(-(self.window_size[0] - 1), self.window_size[0], dtype=torch.float32)
        relative_coords_w = torch.arange(-(self.window_size[1] - 1), self.window_size[1], dtype=torch.float32)
        relative_coords_table = torch.stack(
            torch.meshgrid([relative_coords_h,
                            relative_coords_w])).permute(1, 2, 0).contiguous().unsqueeze(0)  # 1, 2*Wh-1, 2*Ww-1, 2
        if pretrained_window_size[0] > 0:
            relative_coords_table[:, :, :, 0] /= (pretrained_window_size[0] - 1)
            relative_coords_table[:, :, :, 1] /= (pretrained_window_size[1] - 1)
        else:
            relative_coords_table[:, :, :, 0] /= (self.window_size[0] - 1)
            relative_coords_table[:, :, :, 1] /= (self.window_size[1] - 1)
        relative_coords_table *= 8  # normalize to -8, 8
        relative_coords_table = torch.sign(relative_coords_table) * torch.log2(
            torch.abs(relative_coords_table) + 1.0) / np.log2(8)
        self.register_buffer("relative_coords_table", relative_coords_table)
        # get pair-wise relative position index for each token inside the window
        coords_h = torch.arange(self.window_size[0])
        coords_w = torch.arange(self.window_size[1])
        coords = torch.stack(torch.meshgrid([coords_h, coords_w]))  # 2, Wh, Ww
        coords_flatten = torch.flatten(coords, 1)  # 2, Wh*Ww
        relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]  # 2, Wh*Ww, Wh*Ww
        relative_coords = relative_coords.permute(1, 2, 0).contiguous()  # Wh*Ww, Wh*Ww, 2
        relative_coords[:, :, 0] += self.window_size[0] - 1  # shift to start from 0
        relative_coords[:, :, 1] += self.window_size[1] - 1
        relative_coords[:, :, 0] *= 2 * self.window_size[1] - 1
        relative_position_index = relative_coords.sum(-1)  # Wh*Ww, Wh*Ww
        self.register_buffer("relative_position_index", relative_position_index)
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        if qkv_bias:
            self.q_bias = nn.Parameter(torch.zeros(dim))
            self.v_bias = nn.Parameter(torch.zeros(dim))
        else:
            self.q_bias = None
            self.v_bias = None
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        self.softmax = nn.Softmax(dim=-1)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv_bias = None
        if self.q_bias is not None:
            qkv_bias = torch.cat((self.q_bias, torch.zeros_like(self.v_bias, requires_grad=False), self.v_bias))
        qkv = F.linear(input=x, weight=self.qkv.weight, bias=qkv_bias)
        qkv = qkv.reshape(B_, N, 3, self.num_heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # make torchscript happy (cannot use tensor as tuple)
        # cosine attention
        attn = (F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1))
        logit_scale = torch.clamp(self.logit_scale, max=torch.log(torch.tensor(1. / 0.01))).exp()
        attn = attn * logit_scale
        relative_position_bias_table = self.cpb_mlp(self.relative_coords_table).view(-1, self.num_heads)
        relative_position_bias = relative_position_bias_table[self.relative_position_index.view(-1)].view(
            self.window_size[0] * self.window_size[1], self.window_size[0] * self.window_size[1], -1)  # Wh*Ww,Wh*Ww,nH
        relative_position_bias = relative_position_bias.permute(2, 0, 1).contiguous()  # nH, Wh*Ww, Wh*Ww
        relative_position_bias = 16 * torch.sigmoid(relative_position_bias)
        attn = attn + relative_position_bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
            attn = self.softmax(attn)
        else:
            attn = self.softmax(attn)
        attn = self.attn_drop(attn)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        x = self.proj(x)
        x = self.proj_drop(x)
        return x


class SwinTransformerBlockV2(SwinTransformerBlock):
    def __init__(self, dim, input_resolution, num_heads, window_size=7, shift_size=0, mlp_ratio=4.):
        super().__init__(dim, input_resolution, num_heads, window_size, shift_size, mlp_ratio)
        self.attn = WindowAttentionV2(dim, window_size=(self.window_size, self.window_size), num_heads=num_heads)

    def forward(self, x):
        H, W = self.input_resolution
        B, L, C = x.shape
        assert L == H * W, "input feature has wrong size"
        shortcut = x
        x = x.view(B, H, W, C)
        if self.shift_size > 0:
            shifted_x = torch.roll(x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2))
        else:
            shifted_x = x
        x_windows = window_partition(shifted_x, self.window_size)  # nW*B, window_size, window_size, C
        x_windows = x_windows.view(-1, self.window_size * self.window_size, C)  # nW*B, window_size*window_size, C
        attn_windows = self.attn(x_windows, mask=self.attn_mask)  # nW*B, window_size*window_size, C
        attn_windows = attn_windows.view(-1, self.window_size, self.window_size, C)
        shifted_x = window_reverse(attn_windows, self.window_size, H, W)  # B H' W' C
        if self.shift_size > 0:
            x = torch.roll(shifted_x, shifts=(self.shift_size, self.shift_size), dims=(1, 2))
        else:
            x = shifted_x
        x = x.view(B, H * W, C)
        x = shortcut + self.drop_path(self.norm1(x))
        # FFN
        x = x + self.drop_path(self.norm2(self.mlp(x)))
        return x


class TinySwinV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([SwinTransformerBlockV2(4, (6, 6), 2, 3, 0),
                                     SwinTransformerBlockV2(4, (6, 6), 2, 3, 1)])
        self.norm = nn.LayerNorm(4)
        self.head = nn.Linear(4, 4)

    def forward(self, x):
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.norm(x).mean(1))


swin2 = TinySwinV2().double()  # the float32 relative_coords_table cast with the model
with torch.no_grad():
    swin2.blocks[1].attn.logit_scale[1] = 5.0  # past the clamp at log(100) = 4.605
save_state("swin2.init.", swin2)
swin2_x = torch.randn(3, 2, 36, 4)
swin2_y = torch.tensor([[1, 3], [0, 2], [2, 2]])
out["swin2.x"], out["swin2.y"] = swin2_x, swin2_y
train("swin2.", swin2, torch.optim.AdamW(swin2.parameters(), lr=0.01, weight_decay=0.05), 3,
      lambda s_: (lambda y: (y, F.cross_entropy(y, swin2_y[s_])))(swin2(swin2_x[s_])),
      first=lambda y: out.__setitem__("swin2.y0", y.detach().clone()))



# float32: the first forward and backward of ConvNeXt, the wav2vec2 pretraining loss and T5 again, from the same
# weights (loaded into float32 modules) and the same data cast to float32 ------------------------------------------------
def f32_first(prefix, model, init_prefix, forward):
    m = model.float()
    m.load_state_dict({k[len(init_prefix):]: v for k, v in out.items() if k.startswith(init_prefix)})
    m.train()
    loss = forward(m)
    loss.backward()
    out[prefix + "loss"] = loss.detach().clone()
    save_grads(prefix + "grad.", m)


def cnx32_forward(m):
    DP_U.append(cnx_u[0].float())
    return F.cross_entropy(m(cnx_x[0].float()), cnx_y[0])


f32_first("f32.cnx.", ConvNeXt(), "cnx.init.", cnx32_forward)
f32_first("f32.w2v.", TinyWav2Vec2ForPreTraining(), "w2v.init.",
          lambda m: m(w2v_f[0].float(), w2v_u[0].float(), w2v_mask, neg[0])[0])
f32_first("f32.t5.", T5ForConditionalGeneration(), "t5.init.", lambda m: m(t5_ids[0], t5_am, t5_labels[0])[0])


# 7. the recipes' misuses: PyTorch's messages (texts17.txt) -------------------------------------------------------------
texts = {}


def message(key, f):
    try:
        f()
    except (RuntimeError, IndexError) as ex:
        texts[key] = str(ex).split("\n")[0]
        return
    raise AssertionError(key + " raised nothing")


# window_partition of a resolution the window does not divide
message("view", lambda: torch.zeros(2, 5, 6, 8).view(2, 5 // 3, 3, 6 // 3, 3, 8))
# cdist of embeddings of different widths
message("cdist", lambda: torch.cdist(torch.zeros(4, 3), torch.zeros(5, 4)))
# T5's scores += position_bias with a bias of a larger batch than the scores
message("add_", lambda: torch.zeros(1, 2, 6, 6).add_(torch.zeros(2, 2, 6, 6)))
# logits[1:][neg_is_pos] = -inf with a mask of the wrong length
message("mask_view", lambda: torch.zeros(4, 2, 5)[1:].__setitem__(torch.zeros(3, 2, 4, dtype=torch.bool),
                                                                   float("-inf")))
# hidden_states[mask_time_indices] = masked_spec_embed of the wrong width
message("mask_value", lambda: torch.zeros(2, 5, 8).__setitem__(
    torch.tensor([[True, False, True, False, True], [True, False, False, False, True]]), torch.zeros(7)))
# ConvNeXt's weight[:, None, None] * x with the wrong channel count
message("broadcast", lambda: torch.ones(4)[:, None, None] * torch.zeros(2, 3, 4, 4))
# distances[distances < 0] = 0 with a mask of another shape
message("mask_shape", lambda: torch.zeros(4, 4).__setitem__(torch.zeros(4, 3, dtype=torch.bool), 0))
# the quantizer's scatter_ of an argmax past the codebook
message("scatter", lambda: torch.zeros(10, 5).scatter_(-1, torch.full((10, 1), 5), 1.0))
# cross entropy of a target past the classes
message("target", lambda: F.cross_entropy(torch.zeros(6, 4), torch.tensor([0, 1, 2, 3, 4, -100])))
# torch.roll with two shifts for one dim
message("roll", lambda: torch.roll(torch.zeros(2, 3), (1, 1), (0,)))
with open("texts17.txt", "w") as f:
    for k in sorted(texts):
        f.write(k + "\t" + texts[k] + "\n")

# bfloat16: T5's first forward and backward with HF's float32 casts (T5LayerNorm's variance in float32, the result cast
# back to the weight's bfloat16; softmax(scores.float()).type_as(scores)), the model in bfloat16
T5_HF_CASTS = True
t5b = T5ForConditionalGeneration().to(torch.bfloat16)
t5b.load_state_dict({k[len("t5.init."):]: v for k, v in out.items() if k.startswith("t5.init.")})
loss, lm_logits, _ = t5b(t5_ids[0], t5_am, t5_labels[0])
loss.backward()
out["bf16.t5.loss"], out["bf16.t5.logits"] = loss.detach().clone(), lm_logits.detach().clone()
save_grads("bf16.t5.grad.", t5b)
T5_HF_CASTS = False
torch.save(out, "programs17.pt")
print(len(out), "entries")
