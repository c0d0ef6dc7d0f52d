"""Expected values for OutsiderPrograms15Test (session 40's outsider pass, round 15): the recipes people build on small
language models today, each written as its reference code writes it, run in float64 (the default type) from PyTorch's
initial weights and fixed data, which are saved beside the outputs, losses, gradients of every named (trainable)
parameter after the first backward and parameters after the last step:
  llama.*  Hugging Face transformers' Llama (modeling_llama.py): LlamaRMSNorm, LlamaRotaryEmbedding with the Llama 3.1
           rope scaling of _compute_llama3_parameters (the where-form over wavelengths: kept, divided by the factor,
           smoothed), cos/sin of cat((freqs, freqs)), rotate_half and apply_rotary_pos_emb, grouped-query attention by
           repeat_kv (expand + reshape), eager attention, LlamaMLP (down(silu(gate) * up)); the 4-d causal mask of
           _prepare_4d_causal_attention_mask_with_cache_position (finfo.min, triu, *= arange > cache_position, the
           2-d padding mask by masked_fill); trained 3 steps with AdamW; then generate()'s greedy loop at batch 2 with
           a left-padded prompt (position_ids from attention_mask.cumsum), a StaticCache (key cache updated by
           index_copy_, value cache by k_out[:, :, cache_position] = v, HF's fallback), one token a step, with the
           trained model; and the full-sequence forward of the generated sequence
  spec.*   transformers' assisted (speculative) greedy decoding at batch 1 (_assisted_decoding simplified: both
           caches cropped to the accepted length - 1): a perturbed copy of the trained Llama drafts 3 tokens with its
           DynamicCache (torch.cat), the trained one verifies them in one forward, the matches by the cumsum of
           mismatches, both caches cropped ([..., :max_length, :]); the tokens equal the target's plain greedy decoding
  warp.*   transformers' MinPLogitsWarper, TypicalLogitsWarper, EpsilonLogitsWarper and EtaLogitsWarper on the
           generation's step logits over a temperature of 0.7 (the masks deterministic; no sampling)
  mistral.* mistral-inference's one_file_ref.py (2 blocks): complex freqs_cis through view_as_complex and
           _reshape_for_broadcast, repeat_interleave, its RotatingBufferCache (every forward scatter_s the last window
           keys and values at positions % window; a one-token forward attends over cache[:, :cur_pos]), the banded
           mask by torch.log of tril/triu of ones, and its generate(): prompts of 3, 6 and 5 tokens right padded with
           -1, a prefill of the shortest, the longer prompts' tokens forced by torch.where, argmax, gathered
           log-probabilities, 8 tokens past the window; the full forward of the tokens fed equals every step's logits
  lora.*   peft's LoRA (LoraLayer on nn.Linear: base_layer frozen, lora_A kaiming_uniform_(a=sqrt(5)), lora_B zeros,
           scaling = lora_alpha / r, result + lora_B(lora_A(dropout(x))) * scaling) on every layer's q_proj and v_proj
           of the Llama, everything else requires_grad_(False), AdamW over the trainable parameters; then
           merge (base_layer.weight.data += B @ A * scaling), unmerge, and merge_and_unload (the base layers set back in
           the wrappers' places)
  dora.*   peft's DoRA (use_dora=True) on the same layers: DoraLinearLayer's magnitude vector initialized to the row
           norms of W + scaling * B @ A, the forward's lora_weight through an identity matrix, the detached norm,
           (m / ||W + s BA|| - 1) * base_result + m / ||.|| * lora(x) * s; trained with AdamW; merged as
           dora_factor * (W + delta)
           (no entries) LoRA with gradient checkpointing of the decoder layers: use_reentrant=True refuses the
           backward with the embeddings frozen until peft's enable_input_require_grads hook; use_reentrant=False does
           not need it; the gradients are lora.grad0's (asserted here)
  moe.*    mistral-src's MoeLayer (gate, topk of the logits, softmax over the selected logits, results[batch_idx] +=
           weights[batch_idx, nth_expert, None] * expert(x[batch_idx])) with SwiGLU experts in a pre-norm residual
           block; transformers' load_balancing_loss_func (softmax, topk, one_hot, tokens_per_expert * router_prob) and
           ST-MoE's router z-loss added to the loss; AdamW 3 steps; Mixtral's dispatch (softmax, topk, renormalize,
           one_hot(...).permute(2, 1, 0), torch.where, index_add_) on the same weights; the layer on one token (experts
           that get no token)
  switch.* transformers' Switch Transformers sparse MLP: SwitchTransformersTop1Router (argmax, one_hot, the cumsum
           token priority masked past an expert capacity of 2), the experts run on the tokens of a boolean mask and
           written back by next_states[mask] = expert(hidden_states[mask]), dropped tokens passing through scaled by
           their router probability; router_z_loss_func and the Switch load_balancing_loss_func; AdamW 3 steps
  dpo.*    TRL's DPO step: concatenated_forward of chosen and rejected (right padded), get_batch_logps (labels shifted,
           -100 masked, gather of log_softmax), dpo_loss (sigmoid with label smoothing; the ipo and hinge values on the
           last step), rewards, a frozen reference model (same initial weights, eval, requires_grad_(False)); AdamW
           3 steps on the policy
  mamba2.* Mamba-2's SSD: mamba_ssm/modules/ssd_minimal.py's segsum (the stable form: repeat, masked_fill 0,
           cumsum, masked_fill -inf) and ssd_minimal_discrete (chunks, the four einsums of the diagonal blocks, the
           chunk states, the inter-chunk recurrence by exp(segsum(F.pad(...))), the state-to-output term) in a block
           with Mamba2Simple's parameterization (in_proj split into z, xBC, dt; depthwise causal conv1d; dt_bias after
           the inverse softplus init; A = -exp(A_log); the D skip; the gated RMSNorm); 12 steps in 3 chunks of 4;
           AdamW 3 steps; then the chunked scan against the loop over time

Where the references cast to float32 (HF's RMSNorm hidden_states.to(float32), softmax(dtype=float32), the rotary
inv_freq .float(); Mistral's scores.float(); the MoE's softmax(dtype=torch.float)) the program runs in float64 and the
casts are dropped (in a float64 program they would round down); load_balancing_loss_func's expert_mask.float() is kept
(exact counts, their mean rounded to float32 as transformers computes it). The Mistral mask's band is window keys, not
one_file_ref.py's window + 1 (see Mistral.forward). PyTorch 1.13 and 2.x agree on every op used here.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs15.pt (a dict of tensors).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(15)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module, trainable_only=False):
    for k, p in module.named_parameters():
        if p.requires_grad or not trainable_only:
            out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + k] = p.grad.clone()


# 1. Llama as transformers writes it -----------------------------------------------------------------------------------
VOCAB, DIM, N_HEADS, N_KV, HEAD_DIM, INTER, LAYERS = 19, 16, 2, 1, 8, 24, 2
THETA = 500000.0
MAX_LEN = 16


def llama3_inv_freq(dim, base):
    # _compute_default_rope_parameters, then _compute_llama3_parameters (factor 8, low 1, high 4, 8192 tokens)
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.get_default_dtype()) / dim))
    factor, low_freq_factor, high_freq_factor, old_context_len = 8.0, 1.0, 4.0, 8192
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    inv_freq_llama = torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)
    return inv_freq_llama


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("inv_freq", llama3_inv_freq(HEAD_DIM, THETA), persistent=False)

    @torch.no_grad()
    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].to(x.dtype)
        freqs = (inv_freq_expanded @ position_ids_expanded).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


class StaticCache:
    def __init__(self, batch):
        self.key_cache = [torch.zeros(batch, N_KV, MAX_LEN, HEAD_DIM) for _ in range(LAYERS)]
        self.value_cache = [torch.zeros(batch, N_KV, MAX_LEN, HEAD_DIM) for _ in range(LAYERS)]

    def get_seq_length(self):
        return int((self.key_cache[0][0, 0].any(dim=-1)).sum())

    def update(self, key_states, value_states, layer_idx, cache_position):
        k_out = self.key_cache[layer_idx]
        v_out = self.value_cache[layer_idx]
        k_out.index_copy_(2, cache_position, key_states)
        v_out[:, :, cache_position] = value_states  # HF's fallback where index_copy_ is not implemented
        return k_out, v_out


class LlamaAttention(nn.Module):
    def __init__(self, layer_idx):
        super().__init__()
        self.layer_idx = layer_idx
        self.head_dim = HEAD_DIM
        self.num_key_value_groups = N_HEADS // N_KV
        self.scaling = HEAD_DIM ** -0.5
        self.q_proj = nn.Linear(DIM, N_HEADS * HEAD_DIM, bias=False)
        self.k_proj = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.v_proj = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.o_proj = nn.Linear(N_HEADS * HEAD_DIM, DIM, bias=False)

    def forward(self, hidden_states, position_embeddings, attention_mask, past_key_value=None, cache_position=None):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)
        if past_key_value is not None:
            key_states, value_states = past_key_value.update(key_states, value_states, self.layer_idx, cache_position)
        key_states = repeat_kv(key_states, self.num_key_value_groups)
        value_states = repeat_kv(value_states, self.num_key_value_groups)
        attn_weights = torch.matmul(query_states, key_states.transpose(2, 3)) * self.scaling
        if attention_mask is not None:
            causal_mask = attention_mask[:, :, :, : key_states.shape[-2]]
            attn_weights = attn_weights + causal_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_output = torch.matmul(attn_weights, value_states)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output)


class LlamaMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj = nn.Linear(DIM, INTER, bias=False)
        self.up_proj = nn.Linear(DIM, INTER, bias=False)
        self.down_proj = nn.Linear(INTER, DIM, bias=False)
        self.act_fn = nn.SiLU()

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    def __init__(self, layer_idx):
        super().__init__()
        self.self_attn = LlamaAttention(layer_idx)
        self.mlp = LlamaMLP()
        self.input_layernorm = LlamaRMSNorm(DIM)
        self.post_attention_layernorm = LlamaRMSNorm(DIM)

    def forward(self, hidden_states, attention_mask, position_embeddings, past_key_value, cache_position):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states = self.self_attn(hidden_states, position_embeddings, attention_mask, past_key_value,
                                       cache_position)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


def causal_mask_with_cache_position(attention_mask, sequence_length, target_length, dtype, cache_position, batch_size):
    min_dtype = torch.finfo(dtype).min
    causal_mask = torch.full((sequence_length, target_length), fill_value=min_dtype, dtype=dtype)
    if sequence_length != 1:
        causal_mask = torch.triu(causal_mask, diagonal=1)
    causal_mask *= torch.arange(target_length) > cache_position.reshape(-1, 1)
    causal_mask = causal_mask[None, None, :, :].expand(batch_size, 1, -1, -1)
    if attention_mask is not None:
        causal_mask = causal_mask.clone()
        mask_length = attention_mask.shape[-1]
        padding_mask = causal_mask[:, :, :, :mask_length] + attention_mask[:, None, None, :]
        padding_mask = padding_mask == 0
        causal_mask[:, :, :, :mask_length] = causal_mask[:, :, :, :mask_length].masked_fill(padding_mask, min_dtype)
    return causal_mask


class LlamaForCausalLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_tokens = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList([LlamaDecoderLayer(i) for i in range(LAYERS)])
        self.norm = LlamaRMSNorm(DIM)
        self.rotary_emb = LlamaRotaryEmbedding()
        self.lm_head = nn.Linear(DIM, VOCAB, bias=False)
        self.gradient_checkpointing = None  # off; True: use_reentrant=True; False: use_reentrant=False

    def forward(self, input_ids, attention_mask=None, position_ids=None, past_key_values=None, cache_position=None):
        inputs_embeds = self.embed_tokens(input_ids)
        if cache_position is None:
            cache_position = torch.arange(0, inputs_embeds.shape[1])
        if position_ids is None:
            position_ids = cache_position.unsqueeze(0)
        past_seen_tokens = past_key_values.get_seq_length() if past_key_values is not None else 0
        if isinstance(past_key_values, StaticCache):
            target_length = MAX_LEN
        else:
            target_length = (attention_mask.shape[-1] if attention_mask is not None
                             else past_seen_tokens + inputs_embeds.shape[1] + 1)
        causal_mask = causal_mask_with_cache_position(attention_mask, inputs_embeds.shape[1], target_length,
                                                      inputs_embeds.dtype, cache_position, inputs_embeds.shape[0])
        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for decoder_layer in self.layers:
            if self.gradient_checkpointing is not None and self.training:
                # transformers' gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": ...})
                hidden_states = torch.utils.checkpoint.checkpoint(
                    decoder_layer.__call__, hidden_states, causal_mask, position_embeddings, past_key_values,
                    cache_position, use_reentrant=self.gradient_checkpointing)
            else:
                hidden_states = decoder_layer(hidden_states, causal_mask, position_embeddings, past_key_values,
                                              cache_position)
        hidden_states = self.norm(hidden_states)
        return self.lm_head(hidden_states)


def init_llama():
    m = LlamaForCausalLM()
    # transformers' _init_weights: normal(0, initializer_range) for Linear and Embedding
    for mod in m.modules():
        if isinstance(mod, (nn.Linear, nn.Embedding)):
            mod.weight.data.normal_(0.0, 0.2)
    return m


llama = init_llama()
llama_init = {k: v.clone() for k, v in llama.state_dict().items()}
save_state("llama.init.", llama)
out["llama.inv_freq"] = llama.rotary_emb.inv_freq.clone()
tokens = torch.randint(1, VOCAB, (2, 9))
out["llama.tokens"] = tokens
opt = torch.optim.AdamW(llama.parameters(), lr=1e-2, betas=(0.9, 0.95), weight_decay=0.1)
losses = []
for step in range(3):
    opt.zero_grad()
    logits = llama(tokens[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tokens[:, 1:].reshape(-1))
    loss.backward()
    if step == 0:
        out["llama.logits0"] = logits.detach().clone()
        save_grads("llama.grad0.", llama)
    opt.step()
    losses.append(loss.item())
out["llama.loss"] = torch.tensor(losses)
save_params("llama.final.", llama)

# generate(): greedy, left padded, a static cache
PROMPT, NEW = 5, 6
prompt = torch.randint(1, VOCAB, (2, PROMPT))
prompt[1, :2] = 0  # the second prompt is 3 tokens long, left padded with the pad id 0
prompt_mask = torch.ones(2, PROMPT, dtype=torch.long)
prompt_mask[1, :2] = 0
out["gen.prompt"] = prompt
out["gen.prompt_mask"] = prompt_mask
with torch.no_grad():
    cache = StaticCache(2)
    input_ids, attention_mask = prompt, prompt_mask
    cache_position = torch.arange(PROMPT)
    seq = prompt
    step_logits = []
    for step in range(NEW):
        position_ids = attention_mask.long().cumsum(-1) - 1
        position_ids.masked_fill_(attention_mask == 0, 1)
        position_ids = position_ids[:, -input_ids.shape[1]:]
        logits = llama(input_ids, attention_mask, position_ids, cache, cache_position)
        if step == 0:
            out["gen.prefill_logits"] = logits.clone()
        next_logits = logits[:, -1, :]
        step_logits.append(next_logits)
        next_tokens = torch.argmax(next_logits, dim=-1)
        seq = torch.cat([seq, next_tokens[:, None]], dim=-1)
        attention_mask = torch.cat([attention_mask, attention_mask.new_ones((2, 1))], dim=-1)
        cache_position = cache_position[-1:] + 1
        input_ids = next_tokens[:, None]
    out["gen.tokens"] = seq
    out["gen.step_logits"] = torch.stack(step_logits, 1)
    out["gen.key_cache0"] = cache.key_cache[0].clone()
    out["gen.value_cache1"] = cache.value_cache[1].clone()
    full_mask = attention_mask[:, :-1]
    pos = full_mask.long().cumsum(-1) - 1
    pos.masked_fill_(full_mask == 0, 1)
    out["gen.full_logits"] = llama(seq[:, :-1], full_mask, pos)

# 1a. assisted (speculative) greedy decoding with a DynamicCache cropped after each verification ---------------------
class DynamicCache:
    def __init__(self):
        self.key_cache = []
        self.value_cache = []

    def get_seq_length(self):
        return 0 if len(self.key_cache) == 0 else self.key_cache[0].shape[-2]

    def update(self, key_states, value_states, layer_idx, cache_position):
        if len(self.key_cache) <= layer_idx:
            self.key_cache.append(key_states)
            self.value_cache.append(value_states)
        else:
            self.key_cache[layer_idx] = torch.cat([self.key_cache[layer_idx], key_states], dim=-2)
            self.value_cache[layer_idx] = torch.cat([self.value_cache[layer_idx], value_states], dim=-2)
        return self.key_cache[layer_idx], self.value_cache[layer_idx]

    def crop(self, max_length):
        for idx in range(len(self.key_cache)):
            self.key_cache[idx] = self.key_cache[idx][..., :max_length, :]
            self.value_cache[idx] = self.value_cache[idx][..., :max_length, :]


def forward_uncached(model, ids, cache):
    """prepare_inputs_for_generation: the tokens the cache has not seen, at their cache positions."""
    past = cache.get_seq_length()
    cache_position = torch.arange(past, ids.shape[1])
    return model(ids[:, past:], None, None, cache, cache_position)


SPEC_NEW, SPEC_K = 10, 3
# the draft: the trained model with its weights perturbed (a cheaper model's disagreements, some of the time)
draft = init_llama()
draft.load_state_dict({k: v + 0.03 * torch.randn_like(v) for k, v in llama.state_dict().items()})
save_state("spec.draft.", draft)
spec_prompt = torch.randint(1, VOCAB, (1, 4))
out["spec.prompt"] = spec_prompt
with torch.no_grad():
    # the target's plain greedy decoding, for reference
    ids = spec_prompt
    cache = DynamicCache()
    for _ in range(SPEC_NEW):
        logits = forward_uncached(llama, ids, cache)
        ids = torch.cat([ids, logits[:, -1].argmax(-1, keepdim=True)], 1)
    out["spec.greedy"] = ids
    # transformers' _assisted_decoding, greedy, batch 1 (simplified: both caches cropped to the accepted length - 1)
    input_ids = spec_prompt
    target_cache, draft_cache = DynamicCache(), DynamicCache()
    max_len = spec_prompt.shape[1] + SPEC_NEW
    matches, verify_logits = [], []
    while input_ids.shape[1] < max_len:
        cur_len = input_ids.shape[1]
        k = min(SPEC_K, max_len - cur_len - 1) if max_len - cur_len > 1 else 0
        candidate = input_ids
        for _ in range(k):
            logits = forward_uncached(draft, candidate, draft_cache)
            candidate = torch.cat([candidate, logits[:, -1].argmax(-1, keepdim=True)], 1)
        logits = forward_uncached(llama, candidate, target_cache)
        new_logits = logits[:, -(k + 1):]
        verify_logits.append(new_logits[0])
        selected = new_logits.argmax(dim=-1)
        candidate_new_tokens = candidate[:, cur_len:]
        n_matches = ((~(candidate_new_tokens == selected[:, :-1])).cumsum(dim=-1) < 1).sum()
        n_matches = min(int(n_matches), max_len - cur_len - 1)
        valid_tokens = selected[:, : n_matches + 1]
        input_ids = torch.cat((input_ids, valid_tokens), dim=-1)
        new_cur_len = input_ids.shape[-1]
        target_cache.crop(new_cur_len - 1)
        draft_cache.crop(new_cur_len - 1)
        matches.append(n_matches)
    assert torch.equal(input_ids, out["spec.greedy"])
    out["spec.tokens"] = input_ids
    out["spec.matches"] = torch.tensor(matches)
    out["spec.verify_logits"] = torch.cat(verify_logits, 0)
    out["spec.cache_k1"] = target_cache.key_cache[1].clone()

# 1b. Mistral's reference (one_file_ref.py): a rotating buffer cache ------------------------------------------------
WINDOW, M_HIDDEN, M_LAYERS = 4, 24, 2


def m_repeat_kv(keys, values, repeats):
    keys = torch.repeat_interleave(keys, repeats=repeats, dim=2)
    values = torch.repeat_interleave(values, repeats=repeats, dim=2)
    return keys, values


def _reshape_for_broadcast(freqs_cis, x):
    ndim = x.ndim
    assert freqs_cis.shape == (x.shape[1], x.shape[-1])
    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]
    return freqs_cis.view(*shape)


def m_apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.reshape(*xk.shape[:-1], -1, 2))
    freqs_cis = _reshape_for_broadcast(freqs_cis, xq_)
    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3)
    return xq_out.type_as(xq), xk_out.type_as(xk)


class MistralAttention(nn.Module):
    def __init__(self, max_batch_size):
        super().__init__()
        self.repeats = N_HEADS // N_KV
        self.sliding_window = WINDOW
        self.scale = HEAD_DIM ** -0.5
        self.wq = nn.Linear(DIM, N_HEADS * HEAD_DIM, bias=False)
        self.wk = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.wv = nn.Linear(DIM, N_KV * HEAD_DIM, bias=False)
        self.wo = nn.Linear(N_HEADS * HEAD_DIM, DIM, bias=False)
        # torch.empty in the reference; zeros here so that the saved caches are reproducible
        self.cache_k = torch.zeros(max_batch_size, WINDOW, N_KV, HEAD_DIM)
        self.cache_v = torch.zeros(max_batch_size, WINDOW, N_KV, HEAD_DIM)

    def forward(self, x, freqs_cis, positions, mask):
        bsz, seqlen, _ = x.shape
        xq, xk, xv = self.wq(x), self.wk(x), self.wv(x)
        xq = xq.view(bsz, seqlen, N_HEADS, HEAD_DIM)
        xk = xk.view(bsz, seqlen, N_KV, HEAD_DIM)
        xv = xv.view(bsz, seqlen, N_KV, HEAD_DIM)
        xq, xk = m_apply_rotary_emb(xq, xk, freqs_cis=freqs_cis)
        # the cache is a rotating buffer
        scatter_pos = (positions[-self.sliding_window:] % self.sliding_window)[None, :, None, None]
        scatter_pos = scatter_pos.repeat(bsz, 1, N_KV, HEAD_DIM)
        self.cache_k[:bsz].scatter_(dim=1, index=scatter_pos, src=xk[:, -self.sliding_window:])
        self.cache_v[:bsz].scatter_(dim=1, index=scatter_pos, src=xv[:, -self.sliding_window:])
        if positions.shape[0] > 1:
            # prefill
            key, value = m_repeat_kv(xk, xv, self.repeats)
        else:
            cur_pos = positions[-1].item() + 1
            key, value = m_repeat_kv(self.cache_k[:bsz, :cur_pos, ...], self.cache_v[:bsz, :cur_pos, ...],
                                     self.repeats)
        query = xq.transpose(1, 2)
        key = key.transpose(1, 2)
        value = value.transpose(1, 2)
        scores = torch.matmul(query, key.transpose(2, 3)) * self.scale
        if mask is not None:
            scores += mask[None, None, ...]
        scores = nn.functional.softmax(scores, dim=-1).type_as(query)
        output = torch.matmul(scores, value)
        output = output.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
        return self.wo(output)


class MistralFeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Linear(DIM, M_HIDDEN, bias=False)
        self.w2 = nn.Linear(M_HIDDEN, DIM, bias=False)
        self.w3 = nn.Linear(DIM, M_HIDDEN, bias=False)

    def forward(self, x):
        return self.w2(nn.functional.silu(self.w1(x)) * self.w3(x))


class MistralRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def _norm(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def forward(self, x):
        return self._norm(x).type_as(x) * self.weight


class MistralBlock(nn.Module):
    def __init__(self, max_batch_size):
        super().__init__()
        self.attention = MistralAttention(max_batch_size)
        self.feed_forward = MistralFeedForward()
        self.attention_norm = MistralRMSNorm(DIM)
        self.ffn_norm = MistralRMSNorm(DIM)

    def forward(self, x, freqs_cis, positions, mask):
        r = self.attention.forward(self.attention_norm(x), freqs_cis, positions, mask)
        h = x + r
        r = self.feed_forward.forward(self.ffn_norm(h))
        return h + r


def precompute_freqs_cis(dim, end, theta=10000.0):
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)] / dim))
    t = torch.arange(end)
    freqs = torch.outer(t, freqs)
    return torch.polar(torch.ones_like(freqs), freqs)


class Mistral(nn.Module):
    def __init__(self, max_batch_size):
        super().__init__()
        self.tok_embeddings = nn.Embedding(VOCAB, DIM)
        self.layers = nn.ModuleList([MistralBlock(max_batch_size) for _ in range(M_LAYERS)])
        self.norm = MistralRMSNorm(DIM)
        self.output = nn.Linear(DIM, VOCAB, bias=False)
        self.freqs_cis = precompute_freqs_cis(HEAD_DIM, 128)

    def forward(self, input_ids, positions):
        h = self.tok_embeddings(input_ids)
        freqs_cis = self.freqs_cis[positions]
        mask = None
        if input_ids.shape[1] > 1:
            seqlen = input_ids.shape[1]
            tensor = torch.full((seqlen, seqlen), dtype=h.dtype, fill_value=1)
            mask = torch.tril(tensor, diagonal=0).to(h.dtype)
            # make the mask banded to account for sliding window. one_file_ref.py writes diagonal=-sliding_window, so
            # that a query sees window + 1 keys while the rotating buffer holds window of them; -(window - 1) keeps
            # the two the same (mistral_inference's local attention of window_size keys), so that the cached decoding
            # equals the full forward
            mask = torch.triu(mask, diagonal=-(WINDOW - 1))
            mask = torch.log(mask)
        for layer in self.layers:
            h = layer(h, freqs_cis, positions, mask)
        return self.output(self.norm(h)).float()


@torch.no_grad()
def m_generate(encoded_prompts, model, max_tokens, pad_id=-1):
    """one_file_ref.py's generate() after its tokenizer; also returns every forward's logits and the tokens fed."""
    prompt_lens = [len(x) for x in encoded_prompts]
    min_prompt_len = min(prompt_lens)
    max_prompt_len = max(prompt_lens)
    input_tokens = torch.full((len(encoded_prompts), max_prompt_len), pad_id, dtype=torch.long)
    for i, encoded in enumerate(encoded_prompts):
        input_tokens[i, :len(encoded)] = torch.tensor(encoded).to(input_tokens)
    input_mask = input_tokens != pad_id
    # pre-fill
    positions = torch.arange(0, min_prompt_len)
    logits = model.forward(input_tokens[:, :min_prompt_len], positions)
    all_logits = [logits]
    fed = [input_tokens[:, :min_prompt_len]]
    logprobs = nn.functional.log_softmax(logits, dim=-1)
    # decode
    generated = []
    all_logprobs = [logprobs[:, :-1, :].gather(2, input_tokens[:, 1:min_prompt_len, None]).squeeze(-1)]
    cur_pos = min_prompt_len
    for _ in range(max_tokens):
        next_token = torch.argmax(logprobs[:, -1, :], dim=-1)
        if cur_pos < input_mask.shape[1]:
            next_token = torch.where(input_mask[:, cur_pos], input_tokens[:, cur_pos], next_token)
        all_logprobs.append(logprobs[:, -1, :].gather(1, next_token[:, None]))
        generated.append(next_token[:, None])
        fed.append(next_token[:, None])
        logits = model.forward(next_token[:, None], torch.LongTensor([cur_pos]).to(next_token))
        all_logits.append(logits)
        logprobs = nn.functional.log_softmax(logits, dim=-1)
        cur_pos += 1
    return (input_tokens, torch.cat(generated, 1), torch.cat(all_logprobs, 1), torch.cat(all_logits, 1),
            torch.cat(fed, 1))


mistral = Mistral(3)
for p in mistral.parameters():
    if p.dim() == 2:
        p.data.normal_(0.0, 0.3)
save_state("mistral.init.", mistral)
m_prompts = [torch.randint(1, VOCAB, (n,)).tolist() for n in (3, 6, 5)]
padded, generated, logprobs, m_logits, fed = m_generate(m_prompts, mistral, 8)
out["mistral.prompts"] = padded
out["mistral.generated"] = generated
out["mistral.logprobs"] = logprobs
out["mistral.logits"] = m_logits
out["mistral.fed"] = fed
out["mistral.cache_k1"] = mistral.layers[1].attention.cache_k.clone()
with torch.no_grad():
    full = mistral(fed, torch.arange(fed.shape[1]))
assert torch.allclose(full, m_logits, rtol=0, atol=1e-12), (full - m_logits).abs().max()
out["mistral.full_logits"] = full

# 2. LoRA as peft writes it ----------------------------------------------------------------------------------------
R, ALPHA = 4, 8


class LoraLinear(nn.Module):
    def __init__(self, base_layer, r, lora_alpha):
        super().__init__()
        self.base_layer = base_layer
        self.r = r
        self.lora_alpha = lora_alpha
        self.scaling = lora_alpha / r
        self.lora_dropout = nn.Identity()  # lora_dropout=0.0
        self.lora_A = nn.Linear(base_layer.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base_layer.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.merged = False

    def get_delta_weight(self):
        return (self.lora_B.weight @ self.lora_A.weight) * self.scaling

    def merge(self):
        self.base_layer.weight.data += self.get_delta_weight()
        self.merged = True

    def unmerge(self):
        self.base_layer.weight.data -= self.get_delta_weight()
        self.merged = False

    def forward(self, x):
        result = self.base_layer(x)
        if self.merged:
            return result
        return result + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling


lora = init_llama()
lora.load_state_dict(llama_init)
for layer in lora.layers:
    layer.self_attn.q_proj = LoraLinear(layer.self_attn.q_proj, R, ALPHA)
    layer.self_attn.v_proj = LoraLinear(layer.self_attn.v_proj, R, ALPHA)
for n, p in lora.named_parameters():
    p.requires_grad_("lora_" in n)
save_params("lora.init.", lora, trainable_only=True)  # the base is llama.init
lora_tokens = torch.randint(1, VOCAB, (3, 8))
out["lora.tokens"] = lora_tokens
opt = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=2e-2, weight_decay=0.01)
losses = []
for step in range(3):
    opt.zero_grad()
    logits = lora(lora_tokens[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), lora_tokens[:, 1:].reshape(-1))
    loss.backward()
    if step == 0:
        out["lora.logits0"] = logits.detach().clone()
        save_grads("lora.grad0.", lora)
    opt.step()
    losses.append(loss.item())
out["lora.loss"] = torch.tensor(losses)
save_params("lora.final.", lora, trainable_only=True)
with torch.no_grad():
    out["lora.adapted_logits"] = lora(lora_tokens)
    for layer in lora.layers:
        layer.self_attn.q_proj.merge()
        layer.self_attn.v_proj.merge()
    out["lora.merged_logits"] = lora(lora_tokens)
    out["lora.merged.q0"] = lora.layers[0].self_attn.q_proj.base_layer.weight.clone()
    out["lora.merged.v1"] = lora.layers[1].self_attn.v_proj.base_layer.weight.clone()
    for layer in lora.layers:
        layer.self_attn.q_proj.unmerge()
        layer.self_attn.v_proj.unmerge()
    out["lora.unmerged.q0"] = lora.layers[0].self_attn.q_proj.base_layer.weight.clone()
    out["lora.unmerged_logits"] = lora(lora_tokens)
    # merge_and_unload(): merge, then put each base layer back in its wrapper's place
    for layer in lora.layers:
        for name in ("q_proj", "v_proj"):
            wrapper = getattr(layer.self_attn, name)
            wrapper.merge()
            setattr(layer.self_attn, name, wrapper.base_layer)
    assert list(lora.state_dict().keys()) == list(llama_init.keys())
    out["lora.unloaded_logits"] = lora(lora_tokens)

# 2b. DoRA (peft's use_dora=True): LoRA with a trained magnitude vector --------------------------------------------
class DoraLinearLayer(nn.Module):
    """peft/tuners/lora/dora.py's DoraLinearLayer (fan_in_fan_out False)."""

    def get_weight_norm(self, weight, lora_weight, scaling):
        weight = weight + scaling * lora_weight
        weight_norm = torch.linalg.norm(weight, dim=1).to(weight.dtype)
        return weight_norm

    def update_layer(self, *, base_layer, lora_A, lora_B, scaling):
        lora_weight = lora_B @ lora_A
        weight_norm = self.get_weight_norm(base_layer.weight, lora_weight, scaling)
        self.weight = nn.Parameter(weight_norm, requires_grad=True)

    def forward(self, x, *, lora_A, lora_B, scaling, base_layer, base_result=None):
        x_eye = torch.eye(lora_A.weight.shape[1], dtype=x.dtype)
        lora_weight = lora_B(lora_A(x_eye)).T
        magnitude = self.weight
        weight = base_layer.weight.to(x.dtype)
        weight_norm = self.get_weight_norm(weight, lora_weight.detach(), scaling)
        weight_norm = weight_norm.detach()
        mag_norm_scale = (magnitude / weight_norm).view(1, -1)
        lora_result = lora_B(lora_A(x))
        bias = None
        if base_result is not None:
            bias = base_layer.bias
            if bias is not None:
                base_result = base_result - bias
        else:
            base_result = F.linear(x, weight)
        result_dora = (mag_norm_scale - 1) * base_result + mag_norm_scale * lora_result * scaling
        return result_dora


class DoraLinear(LoraLinear):
    def __init__(self, base_layer, r, lora_alpha):
        super().__init__(base_layer, r, lora_alpha)
        self.lora_magnitude_vector = DoraLinearLayer()
        self.lora_magnitude_vector.update_layer(base_layer=base_layer, lora_A=self.lora_A.weight,
                                                lora_B=self.lora_B.weight, scaling=self.scaling)

    def merge(self):
        delta_weight = self.get_delta_weight()
        weight_norm = self.lora_magnitude_vector.get_weight_norm(self.base_layer.weight, delta_weight,
                                                                 scaling=1).detach()
        dora_factor = self.lora_magnitude_vector.weight / weight_norm
        new_weight = dora_factor.view(-1, 1) * (self.base_layer.weight.data + delta_weight)
        self.base_layer.weight.data = new_weight
        self.merged = True

    def forward(self, x):
        result = self.base_layer(x)
        if self.merged:
            return result
        return result + self.lora_magnitude_vector(self.lora_dropout(x), lora_A=self.lora_A, lora_B=self.lora_B,
                                                   scaling=self.scaling, base_layer=self.base_layer,
                                                   base_result=result)


dora = init_llama()
dora.load_state_dict(llama_init)
for layer in dora.layers:
    layer.self_attn.q_proj = DoraLinear(layer.self_attn.q_proj, R, ALPHA)
    layer.self_attn.v_proj = DoraLinear(layer.self_attn.v_proj, R, ALPHA)
for n, p in dora.named_parameters():
    p.requires_grad_("lora_" in n)
save_params("dora.init.", dora, trainable_only=True)
opt = torch.optim.AdamW([p for p in dora.parameters() if p.requires_grad], lr=2e-2, weight_decay=0.01)
losses = []
for step in range(3):
    opt.zero_grad()
    logits = dora(lora_tokens[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), lora_tokens[:, 1:].reshape(-1))
    loss.backward()
    if step == 0:
        out["dora.logits0"] = logits.detach().clone()
        save_grads("dora.grad0.", dora)
    opt.step()
    losses.append(loss.item())
out["dora.loss"] = torch.tensor(losses)
save_params("dora.final.", dora, trainable_only=True)
with torch.no_grad():
    out["dora.adapted_logits"] = dora(lora_tokens)
    for layer in dora.layers:
        layer.self_attn.q_proj.merge()
        layer.self_attn.v_proj.merge()
    out["dora.merged_logits"] = dora(lora_tokens)
    out["dora.merged.v0"] = dora.layers[0].self_attn.v_proj.base_layer.weight.clone()

# 3. a sparse mixture of experts ---------------------------------------------------------------------------------------
E_DIM, E_HIDDEN, N_EXPERTS, TOP_K = 8, 12, 4, 2


class FeedForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Linear(E_DIM, E_HIDDEN, bias=False)
        self.w2 = nn.Linear(E_HIDDEN, E_DIM, bias=False)
        self.w3 = nn.Linear(E_DIM, E_HIDDEN, bias=False)

    def forward(self, x):
        return self.w2(nn.functional.silu(self.w1(x)) * self.w3(x))


class MoeLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.experts = nn.ModuleList([FeedForward() for _ in range(N_EXPERTS)])
        self.gate = nn.Linear(E_DIM, N_EXPERTS, bias=False)
        self.num_experts_per_tok = TOP_K

    def forward(self, inputs):
        inputs_squashed = inputs.view(-1, inputs.shape[-1])
        gate_logits = self.gate(inputs_squashed)
        weights, selected_experts = torch.topk(gate_logits, self.num_experts_per_tok)
        weights = nn.functional.softmax(weights, dim=1).type_as(inputs)
        results = torch.zeros_like(inputs_squashed)
        for i, expert in enumerate(self.experts):
            batch_idx, nth_expert = torch.where(selected_experts == i)
            results[batch_idx] += weights[batch_idx, nth_expert, None] * expert(inputs_squashed[batch_idx])
        return results.view_as(inputs), gate_logits

    def forward_mixtral(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states = hidden_states.view(-1, hidden_dim)
        router_logits = self.gate(hidden_states)
        routing_weights = F.softmax(router_logits, dim=1)
        routing_weights, selected_experts = torch.topk(routing_weights, TOP_K, dim=-1)
        routing_weights /= routing_weights.sum(dim=-1, keepdim=True)
        final_hidden_states = torch.zeros((batch_size * sequence_length, hidden_dim), dtype=hidden_states.dtype)
        expert_mask = torch.nn.functional.one_hot(selected_experts, num_classes=N_EXPERTS).permute(2, 1, 0)
        for expert_idx in range(N_EXPERTS):
            expert_layer = self.experts[expert_idx]
            idx, top_x = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[None, top_x].reshape(-1, hidden_dim)
            current_hidden_states = expert_layer(current_state) * routing_weights[top_x, idx, None]
            final_hidden_states.index_add_(0, top_x, current_hidden_states.to(hidden_states.dtype))
        return final_hidden_states.reshape(batch_size, sequence_length, hidden_dim), router_logits


def load_balancing_loss_func(gate_logits, num_experts, top_k):
    # transformers' Mixtral auxiliary loss, without an attention mask
    concatenated_gate_logits = torch.cat([layer_gate for layer_gate in gate_logits], dim=0)
    routing_weights = torch.nn.functional.softmax(concatenated_gate_logits, dim=-1)
    _, selected_experts = torch.topk(routing_weights, top_k, dim=-1)
    expert_mask = torch.nn.functional.one_hot(selected_experts, num_experts)
    tokens_per_expert = torch.mean(expert_mask.float(), dim=0)
    router_prob_per_expert = torch.mean(routing_weights, dim=0)
    overall_loss = torch.sum(tokens_per_expert * router_prob_per_expert.unsqueeze(0))
    return overall_loss * num_experts


def router_z_loss(router_logits):
    # ST-MoE: mean over tokens of logsumexp(logits) squared
    return torch.logsumexp(router_logits, dim=-1).pow(2).mean()


class MoeBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = LlamaRMSNorm(E_DIM)
        self.moe = MoeLayer()

    def forward(self, x, mixtral=False):
        h = self.norm(x)
        y, logits = self.moe.forward_mixtral(h) if mixtral else self.moe(h)
        return x + y, logits


moe = MoeBlock()
save_state("moe.init.", moe)
moe_init = {k: v.clone() for k, v in moe.state_dict().items()}
moe_x = torch.randn(2, 6, E_DIM)
moe_tgt = torch.randn(2, 6, E_DIM)
out["moe.x"] = moe_x
out["moe.tgt"] = moe_tgt
opt = torch.optim.AdamW(moe.parameters(), lr=2e-2, weight_decay=0.01)
losses, auxes, zs = [], [], []
for step in range(3):
    opt.zero_grad()
    y, gate_logits = moe(moe_x)
    aux = load_balancing_loss_func((gate_logits,), N_EXPERTS, TOP_K)
    z = router_z_loss(gate_logits)
    loss = F.mse_loss(y, moe_tgt) + 0.02 * aux + 0.001 * z
    loss.backward()
    if step == 0:
        out["moe.y0"] = y.detach().clone()
        out["moe.gate_logits0"] = gate_logits.detach().clone()
        save_grads("moe.grad0.", moe)
    opt.step()
    losses.append(loss.item())
    auxes.append(aux.item())
    zs.append(z.item())
out["moe.loss"] = torch.tensor(losses)
out["moe.aux"] = torch.tensor(auxes)
out["moe.z"] = torch.tensor(zs)
save_params("moe.final.", moe)
# Mixtral's dispatch from the same initial weights: the same output and gradients as the step above
moe2 = MoeBlock()
moe2.load_state_dict(moe_init)
y, _ = moe2(moe_x, mixtral=True)
F.mse_loss(y, moe_tgt).backward()
out["moe.mixtral.y"] = y.detach().clone()
save_grads("moe.mixtral.grad.", moe2)
# one token (a decoding step): two of the four experts get no token
moe3 = MoeBlock()
moe3.load_state_dict(moe_init)
one = moe_x[:1, 2:3]
y1, _ = moe3(one)
y1.pow(2).sum().backward()
out["moe.one.y"] = y1.detach().clone()
save_grads("moe.one.grad.", moe3)

# 4. DPO as TRL writes it ---------------------------------------------------------------------------------------------
BETA, LABEL_SMOOTHING = 0.1, 0.1
PAD, IGNORE = 0, -100


def get_batch_logps(logits, labels, average_log_prob=False, label_pad_token_id=IGNORE):
    labels = labels[:, 1:].clone()
    logits = logits[:, :-1, :]
    loss_mask = labels != label_pad_token_id
    labels[labels == label_pad_token_id] = 0
    per_token_logps = torch.gather(logits.log_softmax(-1), dim=2, index=labels.unsqueeze(2)).squeeze(2)
    if average_log_prob:
        return (per_token_logps * loss_mask).sum(-1) / loss_mask.sum(-1)
    return (per_token_logps * loss_mask).sum(-1)


def dpo_loss(policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps,
             loss_type="sigmoid"):
    pi_logratios = policy_chosen_logps - policy_rejected_logps
    ref_logratios = reference_chosen_logps - reference_rejected_logps
    logits = pi_logratios - ref_logratios
    if loss_type == "sigmoid":
        losses = (-F.logsigmoid(BETA * logits) * (1 - LABEL_SMOOTHING)
                  - F.logsigmoid(-BETA * logits) * LABEL_SMOOTHING)
    elif loss_type == "hinge":
        losses = torch.relu(1 - BETA * logits)
    elif loss_type == "ipo":
        losses = (logits - 1 / (2 * BETA)) ** 2
    chosen_rewards = BETA * (policy_chosen_logps - reference_chosen_logps).detach()
    rejected_rewards = BETA * (policy_rejected_logps - reference_rejected_logps).detach()
    return losses, chosen_rewards, rejected_rewards


def concatenated_forward(model, batch):
    input_ids = torch.cat([batch["chosen_input_ids"], batch["rejected_input_ids"]], 0)
    attention_mask = torch.cat([batch["chosen_attention_mask"], batch["rejected_attention_mask"]], 0)
    labels = torch.cat([batch["chosen_labels"], batch["rejected_labels"]], 0)
    all_logits = model(input_ids, attention_mask)
    all_logps = get_batch_logps(all_logits, labels)
    n = batch["chosen_input_ids"].shape[0]
    return all_logps[:n], all_logps[n:], all_logits


def make_pair(prompt_len, chosen_len, rejected_len, total):
    """A prompt and two responses, right padded to total; labels -100 on the prompt and the padding."""
    prompt = torch.randint(1, VOCAB, (prompt_len,))
    rows = {}
    for name, n in (("chosen", chosen_len), ("rejected", rejected_len)):
        ids = torch.cat([prompt, torch.randint(1, VOCAB, (n,))])
        pad = total - ids.shape[0]
        rows[name + "_input_ids"] = torch.cat([ids, torch.full((pad,), PAD, dtype=torch.long)])
        rows[name + "_attention_mask"] = torch.cat([torch.ones(ids.shape[0], dtype=torch.long),
                                                    torch.zeros(pad, dtype=torch.long)])
        labels = rows[name + "_input_ids"].clone()
        labels[:prompt_len] = IGNORE
        labels[ids.shape[0]:] = IGNORE
        rows[name + "_labels"] = labels
    return rows


pairs = [make_pair(3, 4, 2, 8), make_pair(2, 3, 6, 8), make_pair(4, 4, 3, 8)]
batch = {k: torch.stack([p[k] for p in pairs]) for k in pairs[0]}
for k, v in batch.items():
    out["dpo.batch." + k] = v
policy = init_llama()
policy.load_state_dict(llama_init)
reference = init_llama()
reference.load_state_dict(llama_init)
reference.eval()
reference.requires_grad_(False)
opt = torch.optim.AdamW(policy.parameters(), lr=1e-2, weight_decay=0.0)
losses, chosen_r, rejected_r, accs = [], [], [], []
for step in range(3):
    opt.zero_grad()
    pc, pr, _ = concatenated_forward(policy, batch)
    with torch.no_grad():
        rc, rr, _ = concatenated_forward(reference, batch)
    ls, cr, rj = dpo_loss(pc, pr, rc, rr)
    loss = ls.mean()
    loss.backward()
    if step == 0:
        out["dpo.policy_chosen_logps0"] = pc.detach().clone()
        out["dpo.policy_rejected_logps0"] = pr.detach().clone()
        save_grads("dpo.grad0.", policy)
        out["dpo.avg_logps0"] = get_batch_logps(
            policy(batch["chosen_input_ids"], batch["chosen_attention_mask"]), batch["chosen_labels"],
            average_log_prob=True).detach()
    if step == 2:
        # the other losses of dpo_loss on the last step's log-probabilities (at the first, policy == reference)
        out["dpo.ipo2"] = dpo_loss(pc, pr, rc, rr, "ipo")[0].detach()
        out["dpo.hinge2"] = dpo_loss(pc, pr, rc, rr, "hinge")[0].detach()
    opt.step()
    losses.append(loss.item())
    chosen_r.append(cr)
    rejected_r.append(rj)
    accs.append((cr > rj).double().mean().item())
out["dpo.loss"] = torch.tensor(losses)
out["dpo.chosen_rewards"] = torch.stack(chosen_r)
out["dpo.rejected_rewards"] = torch.stack(rejected_r)
out["dpo.reward_accuracies"] = torch.tensor(accs)
out["dpo.reference_logps"] = torch.cat([rc, rr])
save_params("dpo.final.", policy)

# 5. Mamba-2: the SSD (state space duality) chunked scan -------------------------------------------------------------
M2_DMODEL, M2_EXPAND, M2_HEADDIM, M2_DSTATE, M2_DCONV, M2_CHUNK, M2_LEN = 8, 2, 4, 4, 4, 4, 12


def segsum(x):
    """mamba_ssm/modules/ssd_minimal.py's stable segment sum (einops' repeat written as unsqueeze/expand)."""
    T = x.size(-1)
    x = x[..., None].expand(*x.shape, T)  # repeat(x, "... d -> ... d e", e=T)
    mask = torch.tril(torch.ones(T, T, dtype=bool), diagonal=-1)
    x = x.masked_fill(~mask, 0)
    x_segsum = torch.cumsum(x, dim=-2)
    mask = torch.tril(torch.ones(T, T, dtype=bool), diagonal=0)
    x_segsum = x_segsum.masked_fill(~mask, -torch.inf)
    return x_segsum


def ssd_minimal_discrete(X, A, B, C, block_len, initial_states=None):
    """ssd_minimal.py's listing (the Mamba-2 paper's): X (b, l, h, p), A (b, l, h), B and C (b, l, h, n)."""
    assert X.dtype == A.dtype == B.dtype == C.dtype
    assert X.shape[1] % block_len == 0
    # rearrange "b (c l) ... -> b c l ..."
    X, A, B, C = [x.reshape(x.shape[0], -1, block_len, *x.shape[2:]) for x in (X, A, B, C)]
    A = A.permute(0, 3, 1, 2)  # "b c l h -> b h c l"
    A_cumsum = torch.cumsum(A, dim=-1)
    # 1. the output of each intra-chunk (diagonal blocks)
    L = torch.exp(segsum(A))
    Y_diag = torch.einsum("bclhn,bcshn,bhcls,bcshp->bclhp", C, B, L, X)
    # 2. the state of each intra-chunk
    decay_states = torch.exp((A_cumsum[:, :, :, -1:] - A_cumsum))
    states = torch.einsum("bclhn,bhcl,bclhp->bchpn", B, decay_states, X)
    # 3. the inter-chunk recurrence
    if initial_states is None:
        initial_states = torch.zeros_like(states[:, :1])
    states = torch.cat([initial_states, states], dim=1)
    decay_chunk = torch.exp(segsum(F.pad(A_cumsum[:, :, :, -1], (1, 0))))
    new_states = torch.einsum("bhzc,bchpn->bzhpn", decay_chunk, states)
    states, final_state = new_states[:, :-1], new_states[:, -1]
    # 4. state -> output per chunk
    state_decay_out = torch.exp(A_cumsum)
    Y_off = torch.einsum("bclhn,bchpn,bhcl->bclhp", C, states, state_decay_out)
    Y = (Y_diag + Y_off).reshape(Y_diag.shape[0], -1, *Y_diag.shape[3:])  # "b c l h p -> b (c l) h p"
    return Y, final_state


def ssd_sequential(X, A, B, C):
    """The same SSM as a loop over time: h = exp(A_t) h + x_t B_t^T, y_t = h C_t."""
    b, l, h, p = X.shape
    state = X.new_zeros(b, h, p, B.shape[-1])
    ys = []
    for t in range(l):
        state = torch.exp(A[:, t])[:, :, None, None] * state + X[:, t, :, :, None] * B[:, t, :, None, :]
        ys.append(torch.einsum("bhpn,bhn->bhp", state, C[:, t]))
    return torch.stack(ys, 1), state


class RMSNormGated(nn.Module):
    """mamba_ssm's RMSNorm with a gate, norm_before_gate=False: rmsnorm(x * silu(z)) * weight."""

    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x, z):
        x = x * F.silu(z)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Mamba2(nn.Module):
    """Mamba2Simple's parameterization (ngroups 1), its chunk scan by ssd_minimal_discrete or by the loop."""

    def __init__(self):
        super().__init__()
        self.d_inner = M2_EXPAND * M2_DMODEL
        self.nheads = self.d_inner // M2_HEADDIM
        d_in_proj = 2 * self.d_inner + 2 * M2_DSTATE + self.nheads
        self.in_proj = nn.Linear(M2_DMODEL, d_in_proj, bias=False)
        conv_dim = self.d_inner + 2 * M2_DSTATE
        self.conv1d = nn.Conv1d(conv_dim, conv_dim, M2_DCONV, groups=conv_dim, padding=M2_DCONV - 1, bias=True)
        # dt_bias: the inverse softplus of dt drawn log-uniformly in [1e-3, 1e-1]
        dt = torch.exp(torch.rand(self.nheads) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
        dt = torch.clamp(dt, min=1e-4)
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        self.A_log = nn.Parameter(torch.log(torch.empty(self.nheads).uniform_(1, 16)))
        self.D = nn.Parameter(torch.ones(self.nheads))
        self.norm = RMSNormGated(self.d_inner)
        self.out_proj = nn.Linear(self.d_inner, M2_DMODEL, bias=False)
        self.sequential = False

    def forward(self, u):
        batch, seqlen, _ = u.shape
        zxbcdt = self.in_proj(u)
        A = -torch.exp(self.A_log)
        z, xBC, dt = torch.split(zxbcdt, [self.d_inner, self.d_inner + 2 * M2_DSTATE, self.nheads], dim=-1)
        dt = F.softplus(dt + self.dt_bias)
        xBC = F.silu(self.conv1d(xBC.transpose(1, 2)).transpose(1, 2))
        xBC = xBC[:, :seqlen, :]
        x, B, C = torch.split(xBC, [self.d_inner, M2_DSTATE, M2_DSTATE], dim=-1)
        x = x.reshape(batch, seqlen, self.nheads, M2_HEADDIM)
        B = B[:, :, None, :].expand(-1, -1, self.nheads, -1)
        C = C[:, :, None, :].expand(-1, -1, self.nheads, -1)
        if self.sequential:
            y, final_state = ssd_sequential(x * dt[..., None], A * dt, B, C)
        else:
            y, final_state = ssd_minimal_discrete(x * dt[..., None], A * dt, B, C, M2_CHUNK)
        y = y + x * self.D[:, None]
        y = y.reshape(batch, seqlen, -1)
        y = self.norm(y, z)
        return self.out_proj(y), final_state


mamba2 = Mamba2()
save_state("mamba2.init.", mamba2)
m2_x = torch.randn(2, M2_LEN, M2_DMODEL)
m2_tgt = torch.randn(2, M2_LEN, M2_DMODEL)
out["mamba2.x"] = m2_x
out["mamba2.tgt"] = m2_tgt
opt = torch.optim.AdamW(mamba2.parameters(), lr=1e-2, weight_decay=0.01)
losses = []
for step in range(3):
    opt.zero_grad()
    y, final_state = mamba2(m2_x)
    loss = F.mse_loss(y, m2_tgt)
    loss.backward()
    if step == 0:
        out["mamba2.out0"] = y.detach().clone()
        out["mamba2.final_state0"] = final_state.detach().clone()
        save_grads("mamba2.grad0.", mamba2)
    opt.step()
    losses.append(loss.item())
out["mamba2.loss"] = torch.tensor(losses)
save_params("mamba2.final.", mamba2)
# the chunked scan against the loop over time, on the trained block
with torch.no_grad():
    y_chunk, s_chunk = mamba2(m2_x)
    mamba2.sequential = True
    y_loop, s_loop = mamba2(m2_x)
    assert torch.allclose(y_chunk, y_loop, rtol=0, atol=1e-12) and torch.allclose(s_chunk, s_loop, rtol=0, atol=1e-12)
    out["mamba2.trained_out"] = y_chunk
    out["mamba2.trained_final_state"] = s_chunk

# 1c. transformers' newer logits warpers on the generation's logits (deterministic masks, no sampling) --------------
def min_p_warper(scores, min_p, filter_value=-float("Inf"), min_tokens_to_keep=1):
    probs = torch.softmax(scores, dim=-1)
    top_probs, _ = probs.max(dim=-1, keepdim=True)
    scaled_min_p = min_p * top_probs
    tokens_to_remove = probs < scaled_min_p
    sorted_indices = torch.argsort(scores, descending=True, dim=-1)
    sorted_indices_to_remove = torch.gather(tokens_to_remove, dim=-1, index=sorted_indices)
    sorted_indices_to_remove[..., :min_tokens_to_keep] = False
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, filter_value)


def typical_warper(scores, mass, filter_value=-float("Inf"), min_tokens_to_keep=1):
    normalized = torch.nn.functional.log_softmax(scores, dim=-1)
    p = torch.exp(normalized)
    ent = -(normalized * p).nansum(-1, keepdim=True)
    shifted_scores = torch.abs((-normalized) - ent)
    sorted_scores, sorted_indices = torch.sort(shifted_scores, descending=False)
    sorted_logits = scores.gather(-1, sorted_indices)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    last_ind = (cumulative_probs < mass).sum(dim=1)
    last_ind.clamp_(max=sorted_scores.shape[-1] - 1)
    sorted_indices_to_remove = sorted_scores > sorted_scores.gather(1, last_ind.view(-1, 1))
    sorted_indices_to_remove[..., :min_tokens_to_keep] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, filter_value)


def epsilon_warper(scores, epsilon, filter_value=-float("Inf"), min_tokens_to_keep=1):
    probabilities = scores.softmax(dim=-1)
    indices_to_remove = probabilities < epsilon
    top_k = min(min_tokens_to_keep, scores.size(-1))
    indices_to_remove = indices_to_remove & (scores < torch.topk(scores, top_k)[0][..., -1, None])
    return scores.masked_fill(indices_to_remove, filter_value)


def eta_warper(scores, epsilon, filter_value=-float("Inf"), min_tokens_to_keep=1):
    probabilities = scores.softmax(dim=-1)
    entropy = torch.distributions.Categorical(logits=scores).entropy()
    eta = torch.min(torch.tensor(epsilon), torch.sqrt(torch.tensor(epsilon)) * torch.exp(-entropy))[..., None]
    indices_to_remove = probabilities < eta
    top_k = min(min_tokens_to_keep, scores.size(-1))
    indices_to_remove = indices_to_remove & (scores < torch.topk(scores, top_k)[0][..., -1, None])
    return scores.masked_fill(indices_to_remove, filter_value)


warp_scores = out["gen.step_logits"].reshape(-1, VOCAB) / 0.7
out["warp.min_p"] = min_p_warper(warp_scores, 0.1)
out["warp.typical"] = typical_warper(warp_scores, 0.9)
out["warp.epsilon"] = epsilon_warper(warp_scores, 3e-2)
out["warp.eta"] = eta_warper(warp_scores, 3e-2)

# 3b. Switch Transformers' top-1 routing with an expert capacity (tokens past it dropped) -----------------------------
SW_EXPERTS, SW_CAPACITY, SW_FF = 4, 2, 10


class SwitchTop1Router(nn.Module):
    """transformers' SwitchTransformersTop1Router (router_jitter_noise 0, router_ignore_padding_tokens False)."""

    def __init__(self):
        super().__init__()
        self.num_experts = SW_EXPERTS
        self.expert_capacity = SW_CAPACITY
        self.classifier = nn.Linear(E_DIM, SW_EXPERTS, bias=False)

    def _compute_router_probabilities(self, hidden_states):
        router_logits = self.classifier(hidden_states)
        router_probs = nn.functional.softmax(router_logits, dim=-1)
        return router_probs, router_logits

    def forward(self, hidden_states):
        router_probs, router_logits = self._compute_router_probabilities(hidden_states)
        expert_index = torch.argmax(router_probs, dim=-1)
        expert_index = torch.nn.functional.one_hot(expert_index, num_classes=self.num_experts)
        # mask the tokens past each expert's capacity, counted along each sequence
        token_priority = torch.cumsum(expert_index, dim=-2)
        expert_capacity_mask = token_priority <= self.expert_capacity
        expert_index = expert_index * expert_capacity_mask
        router_probs = torch.max(router_probs, dim=-1).values.unsqueeze(-1)
        return expert_index, router_probs, router_logits


class SwitchDenseActDense(nn.Module):
    def __init__(self):
        super().__init__()
        self.wi = nn.Linear(E_DIM, SW_FF, bias=False)
        self.wo = nn.Linear(SW_FF, E_DIM, bias=False)
        self.act = nn.ReLU()

    def forward(self, hidden_states):
        return self.wo(self.act(self.wi(hidden_states)))


class SwitchSparseMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.router = SwitchTop1Router()
        self.experts = nn.ModuleDict({f"expert_{i}": SwitchDenseActDense() for i in range(SW_EXPERTS)})

    def forward(self, hidden_states):
        router_mask, router_probs, router_logits = self.router(hidden_states)
        expert_index = torch.argmax(router_mask, dim=-1)
        # the tokens no expert takes keep their hidden states: cloned, and only the routed ones replaced
        next_states = hidden_states.clone()
        router_mask = router_mask.bool()
        batch_size, seq_len, num_experts = router_mask.shape
        idx_mask = router_mask.reshape(batch_size * seq_len, num_experts).sum(dim=0)
        idx_mask = torch.nonzero(idx_mask, as_tuple=True)[0].tolist()
        for idx in idx_mask:
            next_states[router_mask[:, :, idx]] = getattr(self.experts, f"expert_{idx}")(
                hidden_states[router_mask[:, :, idx]])
        hidden_states = router_probs * next_states
        return hidden_states, (router_logits, expert_index)


def switch_router_z_loss_func(router_logits):
    num_groups, tokens_per_group, _ = router_logits.shape
    log_z = torch.logsumexp(router_logits, dim=-1)
    z_loss = log_z ** 2
    return torch.sum(z_loss) / (num_groups * tokens_per_group)


def switch_load_balancing_loss_func(router_probs, expert_indices):
    num_experts = router_probs.shape[-1]
    if expert_indices.dtype != torch.int64:
        expert_indices = expert_indices.to(torch.int64)
    if len(expert_indices.shape) == 2:
        expert_indices = expert_indices.unsqueeze(2)
    expert_mask = torch.nn.functional.one_hot(expert_indices, num_experts)
    expert_mask = torch.max(expert_mask, axis=-2).values
    expert_mask = expert_mask.to(torch.float32)
    tokens_per_group_and_expert = torch.mean(expert_mask, axis=-2)
    router_prob_per_group_and_expert = torch.mean(router_probs, axis=-2)
    return torch.mean(tokens_per_group_and_expert * router_prob_per_group_and_expert) * (num_experts ** 2)


switch = SwitchSparseMLP()
save_state("switch.init.", switch)
sw_x = torch.randn(2, 6, E_DIM)
sw_tgt = torch.randn(2, 6, E_DIM)
out["switch.x"] = sw_x
out["switch.tgt"] = sw_tgt
opt = torch.optim.AdamW(switch.parameters(), lr=2e-2, weight_decay=0.01)
losses, dropped = [], []
for step in range(3):
    opt.zero_grad()
    y, (router_logits, expert_index) = switch(sw_x)
    router_probs = nn.functional.softmax(router_logits, dim=-1)
    z = switch_router_z_loss_func(router_logits)
    aux = switch_load_balancing_loss_func(router_probs, expert_index)
    loss = F.mse_loss(y, sw_tgt) + 0.001 * z + 0.01 * aux
    loss.backward()
    if step == 0:
        out["switch.y0"] = y.detach().clone()
        out["switch.expert_index0"] = expert_index.clone()
        out["switch.mask0"] = switch.router(sw_x)[0].detach().clone()
        save_grads("switch.grad0.", switch)
    dropped.append(int((switch.router(sw_x)[0].sum(-1) == 0).sum()))
    opt.step()
    losses.append(loss.item())
out["switch.loss"] = torch.tensor(losses)
out["switch.dropped"] = torch.tensor(dropped)
save_params("switch.final.", switch)

# 2c. LoRA with gradient checkpointing (last: its LoraLinear inits draw from the generator) ---------------------------
def lora_from_init():
    m = init_llama()
    m.load_state_dict(llama_init)
    for layer in m.layers:
        layer.self_attn.q_proj = LoraLinear(layer.self_attn.q_proj, R, ALPHA)
        layer.self_attn.v_proj = LoraLinear(layer.self_attn.v_proj, R, ALPHA)
    m.load_state_dict({k[len("lora.init."):]: v for k, v in out.items() if k.startswith("lora.init.")}, strict=False)
    for n, p in m.named_parameters():
        p.requires_grad_("lora_" in n)
    return m


def lora_loss(m):
    logits = m(lora_tokens[:, :-1])
    return F.cross_entropy(logits.reshape(-1, VOCAB), lora_tokens[:, 1:].reshape(-1))


def assert_lora_grads(m):
    for n, p in m.named_parameters():
        if p.requires_grad:
            assert torch.allclose(p.grad, out["lora.grad0." + n], rtol=0, atol=1e-13), n
        else:
            assert p.grad is None, n


# use_reentrant=True with the embeddings frozen: no input requires grad, so the checkpointed layers record nothing
# (PyTorch warns "None of the inputs have requires_grad=True") and backward refuses the loss; peft's
# enable_input_require_grads (a forward hook making the embeddings' output require grad) gives LoRA its gradients
ck = lora_from_init()
ck.gradient_checkpointing = True
loss = lora_loss(ck)
assert not loss.requires_grad
try:
    loss.backward()
    raise AssertionError("backward of a loss that requires no grad")
except RuntimeError as ex:
    assert "does not require grad" in str(ex)
ck.embed_tokens.register_forward_hook(lambda module, input, output: output.requires_grad_(True))
loss = lora_loss(ck)
loss.backward()
assert abs(loss.item() - out["lora.loss"][0].item()) < 1e-13
assert_lora_grads(ck)
# use_reentrant=False: the gradients without the hook
ck = lora_from_init()
ck.gradient_checkpointing = False
loss = lora_loss(ck)
loss.backward()
assert_lora_grads(ck)

torch.save(out, "programs15.pt")
print(len(out), "entries")
