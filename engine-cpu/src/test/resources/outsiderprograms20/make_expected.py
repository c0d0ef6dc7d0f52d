"""Expected values for OutsiderPrograms20Test (session 45's outsider pass, round 20), run in float64 (the default type)
from PyTorch's initial weights and fixed data, which are saved beside the outputs, losses, gradients of the named
parameters after the first backward and parameters after the last step.

As round 19: the initial weights are rounded to float32 before the programs start (the float32 copies saved are exact:
the Java test widens them to float64 and starts from the very same numbers), the data are float32-representable draws
saved as float32, and only gradients, outputs and final parameters are float64. Every model is saved packed: its
initial state one flattened float32 vector with the names and shapes in names20.txt, its first gradients one flattened
vector in named_parameters' order, its parameters after training three summaries each (sum, sum of squares, a
linspace(-1, 1)-weighted sum) plus the values of those of at most 16 elements.

  wh.*     openai/whisper: audio.py's log_mel_spectrogram (F.pad of the audio, torch.stft with a periodic Hann window and
           return_complex=True, stft[..., :-1].abs() ** 2, the mel filterbank given as data (whisper loads librosa's
           from mel_filters.npz; here a triangular HTK-style bank, saved), filters @ magnitudes, clamp(min=1e-10).log10(),
           torch.maximum(log_spec, log_spec.max() - 8.0), (log_spec + 4.0) / 4.0), scaled down (n_fft 16, hop 4, 8 mels,
           one batch item silent for its last samples so that the max - 8 floor bites); its gradient to the audio;
           model.py's AudioEncoder (two Conv1d, F.gelu, permute, the sinusoids buffer, ResidualAttentionBlock, ln_post)
           and TextDecoder (token embedding, a positional Parameter, the -inf triu_(1) mask buffer, cross-attention
           blocks, logits by x @ token_embedding.weight.T), MultiHeadAttention's qkv_attention as the explicit path writes
           it (q and k each scaled by (n_state // n_head) ** -0.25, key without bias, mask[:n_ctx, :n_ctx] added), cross
           entropy on the next token, Adam 3 steps; then install_kv_cache_hooks (forward hooks on the decoder's key and
           value projections that torch.cat each call's output onto the cache and return it, the cross-attention's
           kept as computed once, the positions offset by the cache's length) and greedy decoding from two tokens;
           the first step once more in float32, as whisper runs (f32.wh.*, see contiguous_grad for a 1.13 bug worked
           around there). The float64 port's departures: whisper's LayerNorm runs
           super().forward(x.float()).type(x.dtype) and qkv_attention qk.float() / .to(q.dtype), and the decoder's logits
           .float(): in a float64 program those would round to float32, so the port keeps float64 (as round 19's
           GroupNorm32).
  gpt.*    Hugging Face's GPT-2 (modeling_gpt2.py, the eager attention): Conv1D (torch.addmm(bias, x.view(-1, nx),
           weight) with weight [nx, nf]), c_attn split into q, k, v, _split_heads / _merge_heads, the causal bias buffer
           (tril of bools) sliced [key_length - query_length : key_length, :key_length], torch.where with finfo.min,
           the attention_mask made (1.0 - mask) * finfo.min and added, NewGELUActivation, tied lm_head, position ids from
           the mask as generate() makes them (cumsum - 1, masked_fill_ of the pads with 1), labels with -100 at the pads
           and the shifted cross entropy; Adam 3 steps; then greedy decoding with past_key_values (torch.cat of the past
           keys and values on dim -2, the mask extended by ones) against full recomputation; TopPLogitsWarper (sort
           ascending, softmax, cumsum, <= 1 - top_p, the last min_tokens_to_keep kept, scatter back, masked_fill with
           -inf) and TopKLogitsWarper (scores < topk(...)[0][..., -1, None]) on the decoded logits; beam search as
           generate() runs it without an eos (repeat_interleave of the prompt, beam scores -1e9 but the first,
           log_softmax plus the beams' scores, topk of 2 * num_beams over the flattened beams, div with
           rounding_mode="floor" and %, the cache reordered by index_select as _reorder_cache does); BLOOM's
           build_alibi_tensor (float32 base ** int32 powers, the extra slopes for a head count not a power of two, the
           cumsum-of-mask positions) with its alibi.baddbmm(q, k, beta=1, alpha=1/sqrt(d)) scores and gradients, and
           MPT's build_alibi_bias (int32 arange times 1 / 2 ** base, slopes interleaved for 6 heads).
  gat.*    a graph attention network as PyG's GATConv computes it, without PyG: remove_self_loops / add_self_loops by
           masks and cat, lin without bias, att_src / att_dst, alpha_j + alpha_i gathered by edge_index, leaky_relu 0.2,
           torch_geometric.utils.softmax (scatter_reduce_ 'amax' include_self=False into new_zeros on the detached
           scores, exp, scatter_add_ of a broadcast index + 1e-16, index_select, divide), dropout p=0, messages x_j *
           alpha, aggregated by index_add_, concat of 2 heads (ELU between layers), the last layer's heads averaged,
           bias; cross entropy on the train mask, Adam(lr=0.005, weight_decay=5e-4) 3 steps.
  gp.*     exact GP regression as GPyTorch computes it, without GPyTorch: raw hyperparameters through softplus (Positive)
           and softplus + 1e-4 (the likelihood's GreaterThan(1e-4) noise), ARD lengthscales dividing the inputs, an RBF
           kernel from torch.cdist (under 25 rows: the direct path, whose gradient at the zero diagonal is zero),
           ConstantMean, K + noise * I, torch.linalg.cholesky, torch.cholesky_solve, the log-determinant as twice the
           log of the factor's diagonal, ExactMarginalLogLikelihood's value divided by the number of data; Adam(lr=0.1)
           5 steps; then the predictive mean and variance (torch.linalg.solve_triangular of the factor).
  mdn.*    a mixture density network with torch.distributions: a tanh hidden layer, Categorical(logits=...), Independent
           (Normal(mu, softplus(.) + 1e-3), 1), MixtureSameFamily, the NLL -log_prob(y).mean(), Adam 3 steps; then the
           trained mixture's log_prob, mean and variance at new inputs, and a univariate mixture (Normal components
           without Independent) with its cdf. Ember's random streams are its own, so samples are not compared.
  ft.*     yandex-research/rtdl's FT-Transformer: NumericalFeatureTokenizer (weight[None] * x[..., None] + bias[None]),
           CategoricalFeatureTokenizer (one embedding table, category_offsets by cumsum as a non-persistent buffer),
           CLSToken.expand (view and expand) appended by cat, Transformer blocks as nn.ModuleDicts with
           prenormalization and no attention_normalization in the first block, MultiheadAttention's _reshape, ReGLU,
           last_layer_query_idx=[-1] (advanced indexing by a list), the Head on x[:, -1]; MSE, AdamW with
           optimization_param_groups (no weight decay for the tokenizer, the normalizations and the biases), 3 steps.
           Every W_k bias gets a rounding-noise gradient (the softmax removes q . b): the test holds those to bounds.
  mb.*     torchvision's EfficientNet MBConv: Conv2dNormActivation (conv without bias, BatchNorm2d(eps=1e-3,
           momentum=0.01), SiLU), _make_divisible, the depthwise conv (groups = channels), SqueezeExcitation
           (AdaptiveAvgPool2d, fc1, SiLU, fc2, Sigmoid, scale * input), stochastic_depth "row" with its Bernoulli draw
           replaced by a fixed mask (data: Ember's streams are its own), result += input; a stem, an MBConv with the
           residual and one with stride 2 and kernel 5, the pooled classifier; cross entropy with label_smoothing 0.1,
           RMSprop as torchvision's reference trains it (alpha 0.9, eps 0.0316, momentum 0.9, weight decay 1e-5),
           3 steps; the BatchNorms' running statistics after training, and the model in eval.
  sc.*, ch.*, lp.*  the recipes' smaller tools (section 6b): PyG's scatter for each reduce with its gradients;
           GPyTorch's psd_safe_cholesky on a batch with a singular member and its gradient to the inputs; Hugging
           Face's repetition penalty, min length, temperature, top-k and top-p chained, and whisper's
           ApplyTimestampRules test (log_softmax, logsumexp of the timestamps against the best text token); the
           filtered scores as a Categorical (-inf logits).
  sg.*     the GAT's first layer written with torch.sparse (sparse_coo_tensor, sparse.softmax, sparse.mm) per head.
  f32.*    the first forward and backward of whisper (above), GPT-2, the GAT, the GP, the MDN, the FT-Transformer and
           the EfficientNet blocks with float32 the default type, from the same initial values (section 6c).
  texts20.txt  PyTorch's messages for the recipes' misuses (key, a tab, the message)
  names20.txt  the packed initial states' names and shapes (a line [prefix], then name, a tab, the shape)
PyTorch 1.13 and 2.x agree on every op used here (scatter_reduce is a beta in 1.13 and stable in 2.x, same semantics),
but for the last bits of Adam's moments (1.13 forms exp_avg by mul_ then add_, 2.x by lerp_), below float64's
tolerance here, and for 1.13's float32 CPU gelu_backward of a non-contiguous gradient (wrong before 2.2; the f32.wh
run hands it a contiguous one, see contiguous_grad). F.scaled_dot_product_attention (whisper's use_sdpa path) is not
in 1.13: the test holds Ember's SDPA path to the explicit one.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs20.pt (a dict of tensors).
"""
import math
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.distributions as D

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(20)
out = {}
NAMES = []


def f32(t):
    """A float32-representable float64 draw (saved as float32, widened by the test to the very same numbers)."""
    return t.float().double()


def save_init(prefix, module):
    """The module's initial state rounded to float32, saved as one flattened float32 vector (prefix + "flat") of the
    state dict's values in its order, their names and shapes in names20.txt (an integer entry, BatchNorm's
    num_batches_tracked, has its type as a third field: its small values are exact in float32)."""
    flat = []
    NAMES.append("[" + prefix + "]")
    with torch.no_grad():
        for k, v in module.state_dict().items():
            if v.is_floating_point():
                v.copy_(v.float().double())
            flat.append(v.float().reshape(-1))
            NAMES.append(k + "\t" + ",".join(str(n) for n in v.shape)
                         + ("" if v.is_floating_point() else "\t" + str(v.dtype).replace("torch.", "")))
    out[prefix + "flat"] = torch.cat(flat)


def summary(t):
    """sum, sum of squares and a linspace(-1, 1)-weighted sum of the flattened values (the test computes the same)."""
    f = t.detach().reshape(-1)
    return torch.stack([f.sum(), f.pow(2).sum(), (f * torch.linspace(-1, 1, f.numel())).sum()])


def save_final(prefix, module):
    out[prefix + "finalsum"] = torch.stack([summary(p) for _, p in module.named_parameters()])
    out[prefix + "finalsmall"] = torch.cat([p.detach().reshape(-1) for _, p in module.named_parameters()
                                            if p.numel() <= 16])


def train(prefix, model, opt, steps, forward, first=None):
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward(step)
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            out[prefix + "grad0flat"] = torch.cat([p.grad.reshape(-1) for _, p in model.named_parameters()])
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_final(prefix, model)


# 1. Whisper's audio front end, encoder and decoder ---------------------------------------------------------------------
N_FFT, HOP_LENGTH, N_MELS = 16, 4, 8


def mel_filterbank(n_mels, n_fft, sr=400.0):
    """A triangular HTK-style mel filterbank (n_mels, n_fft // 2 + 1): data, as whisper's mel_filters.npz is."""
    def hz_to_mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    pts = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fb = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(n_mels):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        fb[m] = np.maximum(0, np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)))
    return torch.tensor(fb)


def log_mel_spectrogram(audio, filters, padding=0):
    if padding > 0:
        audio = F.pad(audio, (0, padding))
    window = torch.hann_window(N_FFT).to(audio.device)
    stft = torch.stft(audio, N_FFT, HOP_LENGTH, window=window, return_complex=True)
    magnitudes = stft[..., :-1].abs() ** 2
    mel_spec = filters @ magnitudes
    log_spec = torch.clamp(mel_spec, min=1e-10).log10()
    log_spec = torch.maximum(log_spec, log_spec.max() - 8.0)
    log_spec = (log_spec + 4.0) / 4.0
    return log_spec


def sinusoids(length, channels, max_timescale=10000):
    assert channels % 2 == 0
    log_timescale_increment = np.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_timescale_increment * torch.arange(channels // 2))
    scaled_time = torch.arange(length)[:, np.newaxis] * inv_timescales[np.newaxis, :]
    return torch.cat([torch.sin(scaled_time), torch.cos(scaled_time)], dim=1)


CONTIGUOUS_GELU_GRAD = False


def contiguous_grad(x):
    """Identity, but in the float32 run: there the gradient reaching F.gelu's output is made contiguous by a tensor
    hook. PyTorch's CPU gelu_backward for float32 (the oneDNN path) reads a non-contiguous grad_output (here the
    permute's transposed gradient) with the input's strides, before 2.2 (pytorch/pytorch#107876, #112006): 1.13 gives
    float32 conv gradients off by 0.04 where float64 and 2.x agree. The hook changes no value in 2.x."""
    if CONTIGUOUS_GELU_GRAD and x.requires_grad:
        x.register_hook(lambda g: g.contiguous())
    return x


class MultiHeadAttention(nn.Module):
    def __init__(self, n_state, n_head):
        super().__init__()
        self.n_head = n_head
        self.query = nn.Linear(n_state, n_state)
        self.key = nn.Linear(n_state, n_state, bias=False)
        self.value = nn.Linear(n_state, n_state)
        self.out = nn.Linear(n_state, n_state)

    def forward(self, x, xa=None, mask=None, kv_cache=None):
        q = self.query(x)
        if kv_cache is None or xa is None or self.key not in kv_cache:
            # hooks, if installed (i.e. kv_cache is not None), will prepend the cached kv tensors; otherwise, perform
            # key/value projections for self- or cross-attention as usual.
            k = self.key(x if xa is None else xa)
            v = self.value(x if xa is None else xa)
        else:
            # for cross-attention, calculate keys and values once and reuse in subsequent calls.
            k = kv_cache[self.key]
            v = kv_cache[self.value]
        wv, qk = self.qkv_attention(q, k, v, mask)
        return self.out(wv), qk

    def qkv_attention(self, q, k, v, mask=None):
        n_batch, n_ctx, n_state = q.shape
        scale = (n_state // self.n_head) ** -0.25
        q = q.view(*q.shape[:2], self.n_head, -1).permute(0, 2, 1, 3)
        k = k.view(*k.shape[:2], self.n_head, -1).permute(0, 2, 1, 3)
        v = v.view(*v.shape[:2], self.n_head, -1).permute(0, 2, 1, 3)
        qk = (q * scale) @ (k * scale).transpose(-1, -2)
        if mask is not None:
            qk = qk + mask[:n_ctx, :n_ctx]
        w = F.softmax(qk, dim=-1)
        out = (w @ v).permute(0, 2, 1, 3).flatten(start_dim=2)
        return out, qk.detach()


class ResidualAttentionBlock(nn.Module):
    def __init__(self, n_state, n_head, cross_attention=False):
        super().__init__()
        self.attn = MultiHeadAttention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state)
        self.cross_attn = MultiHeadAttention(n_state, n_head) if cross_attention else None
        self.cross_attn_ln = nn.LayerNorm(n_state) if cross_attention else None
        n_mlp = n_state * 4
        self.mlp = nn.Sequential(nn.Linear(n_state, n_mlp), nn.GELU(), nn.Linear(n_mlp, n_state))
        self.mlp_ln = nn.LayerNorm(n_state)

    def forward(self, x, xa=None, mask=None, kv_cache=None):
        x = x + self.attn(self.attn_ln(x), mask=mask, kv_cache=kv_cache)[0]
        if self.cross_attn:
            x = x + self.cross_attn(self.cross_attn_ln(x), xa, kv_cache=kv_cache)[0]
        x = x + self.mlp(self.mlp_ln(x))
        return x


class AudioEncoder(nn.Module):
    def __init__(self, n_mels, n_ctx, n_state, n_head, n_layer):
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, n_state, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(n_state, n_state, kernel_size=3, stride=2, padding=1)
        self.register_buffer("positional_embedding", sinusoids(n_ctx, n_state))
        self.blocks = nn.ModuleList([ResidualAttentionBlock(n_state, n_head) for _ in range(n_layer)])
        self.ln_post = nn.LayerNorm(n_state)

    def forward(self, x):
        x = contiguous_grad(F.gelu(self.conv1(x)))
        x = contiguous_grad(F.gelu(self.conv2(x)))
        x = x.permute(0, 2, 1)
        assert x.shape[1:] == self.positional_embedding.shape, "incorrect audio shape"
        x = (x + self.positional_embedding).to(x.dtype)
        for block in self.blocks:
            x = block(x)
        return self.ln_post(x)


class TextDecoder(nn.Module):
    def __init__(self, n_vocab, n_ctx, n_state, n_head, n_layer):
        super().__init__()
        self.token_embedding = nn.Embedding(n_vocab, n_state)
        self.positional_embedding = nn.Parameter(torch.empty(n_ctx, n_state))
        self.blocks = nn.ModuleList([ResidualAttentionBlock(n_state, n_head, cross_attention=True)
                                     for _ in range(n_layer)])
        self.ln = nn.LayerNorm(n_state)
        mask = torch.empty(n_ctx, n_ctx).fill_(-np.inf).triu_(1)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x, xa, kv_cache=None):
        offset = next(iter(kv_cache.values())).shape[1] if kv_cache else 0
        x = self.token_embedding(x) + self.positional_embedding[offset: offset + x.shape[-1]]
        x = x.to(xa.dtype)
        for block in self.blocks:
            x = block(x, xa, mask=self.mask, kv_cache=kv_cache)
        x = self.ln(x)
        return x @ torch.transpose(self.token_embedding.weight.to(x.dtype), 0, 1)


class Whisper(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = AudioEncoder(N_MELS, 8, 8, 2, 1)
        self.decoder = TextDecoder(11, 6, 8, 2, 1)

    def forward(self, mel, tokens):
        return self.decoder(tokens, self.encoder(mel))


filters = f32(mel_filterbank(N_MELS, N_FFT))
out["wh.filters"] = filters.float()
audio = f32(torch.randn(2, 60) * 0.5)
audio[1, 36:] = f32(torch.randn(24) * 1e-7)  # a quiet tail: its mel energies sit below the max - 8 floor
out["wh.audio"] = audio.float()
mel = log_mel_spectrogram(audio, filters, padding=4)
out["wh.mel"] = mel
assert (mel == mel.min()).sum() > 4, "the floor must bite"
audio_g = audio.clone().requires_grad_(True)
mel_w = f32(torch.randn(2, N_MELS, 16))
out["wh.mel_w"] = mel_w.float()
(log_mel_spectrogram(audio_g, filters, padding=4) * mel_w).sum().backward()
out["wh.audio_grad"] = audio_g.grad
whisper = Whisper()
with torch.no_grad():
    whisper.decoder.positional_embedding.normal_(0, 0.5)
save_init("wh.init", whisper)
wh_tokens = torch.randint(0, 11, (2, 6))
out["wh.tokens"] = wh_tokens


def whisper_forward(step):
    logits = whisper(mel, wh_tokens[:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 11), wh_tokens[:, 1:].reshape(-1))


train("wh.", whisper, torch.optim.Adam(whisper.parameters(), lr=0.01), 3, whisper_forward,
      first=lambda y: out.__setitem__("wh.out0", y.detach().clone()))
with torch.no_grad():
    enc = whisper.encoder(mel)
    out["wh.enc"] = enc
    _, qk = whisper.decoder.blocks[0].cross_attn(whisper.decoder.blocks[0].cross_attn_ln(
        whisper.decoder.token_embedding(wh_tokens[:, :3]) + whisper.decoder.positional_embedding[:3]), enc)
    out["wh.cross_qk"] = qk




def install_kv_cache_hooks(model, cache=None):
    """Whisper.install_kv_cache_hooks: forward hooks on every MultiHeadAttention's key and value projections that
    append each call's output to the cache (or start it), returning the cached tensor as the module's output."""
    cache = {**cache} if cache is not None else {}
    hooks = []

    def save_to_cache(module, _, output):
        if module not in cache or output.shape[1] > 6:  # self.dims.n_text_ctx
            # save as-is, for the first token or cross attention
            cache[module] = output
        else:
            cache[module] = torch.cat([cache[module], output], dim=1).detach()
        return cache[module]

    def install_hooks(layer):
        if isinstance(layer, MultiHeadAttention):
            hooks.append(layer.key.register_forward_hook(save_to_cache))
            hooks.append(layer.value.register_forward_hook(save_to_cache))

    model.decoder.apply(install_hooks)
    return cache, hooks


with torch.no_grad():  # greedy decoding from two tokens with the hooks' cache, the trained model
    cache, hooks = install_kv_cache_hooks(whisper)
    audio_features = whisper.encoder(mel)
    toks = wh_tokens[:, :2]
    logits = whisper.decoder(toks, audio_features, kv_cache=cache)
    for t in range(3):
        out["wh.dec%d" % t] = logits[:, -1].clone()
        toks = torch.cat([toks, logits[:, -1].argmax(-1)[:, None]], dim=-1)
        logits = whisper.decoder(toks[:, -1:], audio_features, kv_cache=cache)
    out["wh.dec3"] = logits[:, -1].clone()
    out["wh.dectoks"] = toks
    for h in hooks:
        h.remove()

# the first step in float32, as whisper runs (its LayerNorm's x.float() and qk.float() then change nothing)
torch.set_default_dtype(torch.float32)
whisper32 = Whisper()
state32 = whisper32.state_dict()  # the very same float32 values as the float64 program's start, by name
whisper32.load_state_dict({k: v.reshape(s.shape) for (k, s), v in zip(state32.items(), torch.split(
    out["wh.initflat"], [s.numel() for s in state32.values()]))})
mel32 = log_mel_spectrogram(audio.float(), filters.float(), padding=4)
out["f32.wh.mel"] = mel32
CONTIGUOUS_GELU_GRAD = True
logits32 = whisper32(mel32, wh_tokens[:, :-1])
F.cross_entropy(logits32.reshape(-1, 11), wh_tokens[:, 1:].reshape(-1)).backward()
CONTIGUOUS_GELU_GRAD = False
out["f32.wh.out0"] = logits32.detach()
out["f32.wh.grad0flat"] = torch.cat([p.grad.reshape(-1) for _, p in whisper32.named_parameters()])
torch.set_default_dtype(torch.float64)


# 2. GPT-2 as Hugging Face writes it; top-p / top-k; ALiBi -------------------------------------------------------------
class Conv1D(nn.Module):
    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, n_embd, n_head, max_positions):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones((max_positions, max_positions), dtype=torch.bool)).view(
            1, 1, max_positions, max_positions), persistent=False)
        self.embed_dim = n_embd
        self.num_heads = n_head
        self.head_dim = n_embd // n_head
        self.split_size = n_embd
        self.c_attn = Conv1D(3 * n_embd, n_embd)
        self.c_proj = Conv1D(n_embd, n_embd)

    def _attn(self, query, key, value, attention_mask=None):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        return torch.matmul(attn_weights, value), attn_weights

    def _split_heads(self, tensor, num_heads, attn_head_size):
        new_shape = tensor.size()[:-1] + (num_heads, attn_head_size)
        return tensor.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, tensor, num_heads, attn_head_size):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (num_heads * attn_head_size,)
        return tensor.view(new_shape)

    def forward(self, hidden_states, layer_past=None, attention_mask=None, use_cache=False):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query = self._split_heads(query, self.num_heads, self.head_dim)
        key = self._split_heads(key, self.num_heads, self.head_dim)
        value = self._split_heads(value, self.num_heads, self.head_dim)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        present = (key, value) if use_cache else None
        attn_output, _ = self._attn(query, key, value, attention_mask)
        attn_output = self._merge_heads(attn_output, self.num_heads, self.head_dim)
        return self.c_proj(attn_output), present


class GPT2MLP(nn.Module):
    def __init__(self, intermediate_size, embed_dim):
        super().__init__()
        self.c_fc = Conv1D(intermediate_size, embed_dim)
        self.c_proj = Conv1D(embed_dim, intermediate_size)
        self.act = NewGELUActivation()

    def forward(self, hidden_states):
        return self.c_proj(self.act(self.c_fc(hidden_states)))


class GPT2Block(nn.Module):
    def __init__(self, n_embd, n_head, max_positions):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=1e-5)
        self.attn = GPT2Attention(n_embd, n_head, max_positions)
        self.ln_2 = nn.LayerNorm(n_embd, eps=1e-5)
        self.mlp = GPT2MLP(4 * n_embd, n_embd)

    def forward(self, hidden_states, layer_past=None, attention_mask=None, use_cache=False):
        residual = hidden_states
        attn_output, present = self.attn(self.ln_1(hidden_states), layer_past=layer_past,
                                         attention_mask=attention_mask, use_cache=use_cache)
        hidden_states = attn_output + residual
        residual = hidden_states
        hidden_states = residual + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


class GPT2LMHeadModel(nn.Module):
    def __init__(self, vocab, n_positions, n_embd, n_head, n_layer):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.h = nn.ModuleList([GPT2Block(n_embd, n_head, n_positions) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # tie_weights
        for name, p in self.named_parameters():  # _init_weights: normal(0.02), c_proj scaled by 1/sqrt(2 n_layer)
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))
            elif name.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, mean=0.0, std=0.02)

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None, labels=None,
                use_cache=False):
        batch_size = input_ids.shape[0]
        if past_key_values is None:
            past_length = 0
            past_key_values = tuple([None] * len(self.h))
        else:
            past_length = past_key_values[0][0].size(-2)
        if position_ids is None:
            position_ids = torch.arange(past_length, input_ids.shape[-1] + past_length, dtype=torch.long)
            position_ids = position_ids.unsqueeze(0)
        if attention_mask is not None:
            attention_mask = attention_mask.view(batch_size, -1)
            attention_mask = attention_mask[:, None, None, :]
            attention_mask = attention_mask.to(dtype=self.wte.weight.dtype)
            attention_mask = (1.0 - attention_mask) * torch.finfo(self.wte.weight.dtype).min
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        presents = () if use_cache else None
        for block, layer_past in zip(self.h, past_key_values):
            hidden_states, present = block(hidden_states, layer_past=layer_past, attention_mask=attention_mask,
                                           use_cache=use_cache)
            if use_cache:
                presents = presents + (present,)
        hidden_states = self.ln_f(hidden_states)
        lm_logits = self.lm_head(hidden_states)
        loss = None
        if labels is not None:
            shift_logits = lm_logits[..., :-1, :].contiguous()
            shift_labels = labels[..., 1:].contiguous()
            loss = nn.CrossEntropyLoss()(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1))
        return loss, lm_logits, presents


gpt = GPT2LMHeadModel(13, 10, 8, 2, 2)
with torch.no_grad():  # LayerNorms and biases away from their ones and zeros, so that their gradients matter
    for name, p in gpt.named_parameters():
        if p.dim() == 1:
            p.add_(torch.randn_like(p) * 0.1)
save_init("gpt.init", gpt)
gpt_ids = torch.randint(0, 13, (2, 6))
gpt_mask = torch.ones(2, 6, dtype=torch.long)
gpt_mask[1, :2] = 0  # left padding
out["gpt.ids"] = gpt_ids
out["gpt.mask"] = gpt_mask
gpt_pos = gpt_mask.long().cumsum(-1) - 1
gpt_pos.masked_fill_(gpt_mask == 0, 1)
gpt_labels = gpt_ids.masked_fill(gpt_mask == 0, -100)


def gpt_forward(step):
    loss, logits, _ = gpt(gpt_ids, attention_mask=gpt_mask, position_ids=gpt_pos, labels=gpt_labels)
    return logits, loss


train("gpt.", gpt, torch.optim.Adam(gpt.parameters(), lr=0.01), 3, gpt_forward,
      first=lambda y: out.__setitem__("gpt.out0", y.detach().clone()))


class TopPLogitsWarper:
    def __init__(self, top_p, filter_value=-float("Inf"), min_tokens_to_keep=1):
        self.top_p, self.filter_value, self.min_tokens_to_keep = top_p, filter_value, min_tokens_to_keep

    def __call__(self, input_ids, scores):
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_indices_to_remove = cumulative_probs <= (1 - self.top_p)
        sorted_indices_to_remove[..., -self.min_tokens_to_keep:] = 0
        indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
        return scores.masked_fill(indices_to_remove, self.filter_value)


class TopKLogitsWarper:
    def __init__(self, top_k, filter_value=-float("Inf"), min_tokens_to_keep=1):
        self.top_k, self.filter_value = max(top_k, min_tokens_to_keep), filter_value

    def __call__(self, input_ids, scores):
        top_k = min(self.top_k, scores.size(-1))
        indices_to_remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
        return scores.masked_fill(indices_to_remove, self.filter_value)


with torch.no_grad():  # greedy decoding with the cache, 3 new tokens, against recomputing everything each time
    ids, mask = gpt_ids, gpt_mask
    pos = mask.long().cumsum(-1) - 1
    pos.masked_fill_(mask == 0, 1)
    _, logits, past = gpt(ids, attention_mask=mask, position_ids=pos, use_cache=True)
    for t in range(3):
        nxt = logits[:, -1, :].argmax(-1)
        out["gpt.dec%d" % t] = logits[:, -1, :].clone()
        ids = torch.cat([ids, nxt[:, None]], dim=-1)
        mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=-1)
        pos = mask.long().cumsum(-1) - 1
        pos.masked_fill_(mask == 0, 1)
        _, logits, past = gpt(ids[:, -1:], past_key_values=past, attention_mask=mask, position_ids=pos[:, -1:],
                              use_cache=True)
    out["gpt.dec3"] = logits[:, -1, :].clone()
    out["gpt.decids"] = ids
    out["gpt.past_k"] = past[1][0].clone()
    scores = f32(torch.randn(3, 13) * 2)
    scores[2] = scores[0]  # ties on a row of its own: the same values, so the same filtering
    out["gpt.scores"] = scores.float()
    out["gpt.top_p"] = TopPLogitsWarper(0.8)(None, scores)
    out["gpt.top_p_keep3"] = TopPLogitsWarper(0.3, min_tokens_to_keep=3)(None, scores)
    out["gpt.top_k"] = TopKLogitsWarper(4)(None, scores)
    out["gpt.top_p_dec"] = TopPLogitsWarper(0.9)(None, logits[:, -1, :])


with torch.no_grad():  # beam search as generate() runs it (no eos): 3 beams over 3 steps from the first prompt
    num_beams, vocab_size, batch_size = 3, 13, 1
    input_ids = gpt_ids[:1].repeat_interleave(num_beams, dim=0)  # _expand_inputs_for_generation
    beam_scores = torch.zeros((batch_size, num_beams))
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view((batch_size * num_beams,))
    past = None
    for step in range(3):
        _, logits, past = gpt(input_ids if past is None else input_ids[:, -1:], past_key_values=past,
                              use_cache=True)
        next_token_scores = F.log_softmax(logits[:, -1, :], dim=-1)
        next_token_scores = next_token_scores + beam_scores[:, None].expand_as(next_token_scores)
        next_token_scores = next_token_scores.view(batch_size, num_beams * vocab_size)
        next_token_scores, next_tokens = torch.topk(next_token_scores, 2 * num_beams, dim=1, largest=True,
                                                    sorted=True)
        next_indices = torch.div(next_tokens, vocab_size, rounding_mode="floor")
        next_tokens = next_tokens % vocab_size
        beam_scores = next_token_scores[:, :num_beams].reshape(-1)  # BeamSearchScorer.process without an eos
        beam_next_tokens = next_tokens[:, :num_beams].reshape(-1)
        beam_idx = (next_indices[:, :num_beams] + torch.arange(batch_size)[:, None] * num_beams).reshape(-1)
        input_ids = torch.cat([input_ids[beam_idx, :], beam_next_tokens.unsqueeze(-1)], dim=-1)
        past = tuple(tuple(past_state.index_select(0, beam_idx) for past_state in layer_past)
                     for layer_past in past)  # GPT2LMHeadModel._reorder_cache
    out["gpt.beam_ids"] = input_ids
    out["gpt.beam_scores"] = beam_scores


def build_alibi_tensor(attention_mask, num_heads, dtype):
    batch_size, seq_length = attention_mask.shape
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3))), device=attention_mask.device,
                        dtype=torch.float32)
    powers = torch.arange(1, 1 + closest_power_of_2, device=attention_mask.device, dtype=torch.int32)
    slopes = torch.pow(base, powers)
    if closest_power_of_2 != num_heads:
        extra_base = torch.tensor(2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3))),
                                  device=attention_mask.device, dtype=torch.float32)
        num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
        extra_powers = torch.arange(1, 1 + 2 * num_remaining_heads, 2, device=attention_mask.device,
                                    dtype=torch.int32)
        slopes = torch.cat([slopes, torch.pow(extra_base, extra_powers)], dim=0)
    arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
    alibi = slopes[..., None] * arange_tensor
    return alibi.reshape(batch_size * num_heads, 1, seq_length).to(dtype)


def build_alibi_bias(num_heads, sequence_length, alibi_bias_max=8):
    alibi = torch.arange(1 - sequence_length, 1, dtype=torch.int32).view(1, 1, 1, sequence_length)
    num_heads_power_of_2 = 2 ** math.ceil(math.log2(num_heads))
    base = torch.arange(1, num_heads_power_of_2 + 1, dtype=torch.int64).float()
    base = base * (alibi_bias_max / num_heads_power_of_2)
    slopes = 1.0 / torch.pow(2, base)
    slopes = slopes.view(1, num_heads_power_of_2, 1, 1)
    if num_heads_power_of_2 != num_heads:
        slopes = torch.concat([slopes[:, 1::2, ...], slopes[:, ::2, ...]], dim=1)[:, :num_heads, ...]
    alibi = alibi * slopes
    return alibi.squeeze(0)


alibi_mask = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]])
alibi = build_alibi_tensor(alibi_mask, 6, torch.float64)
out["gpt.alibi_bloom"] = alibi
out["gpt.alibi_bloom4"] = build_alibi_tensor(alibi_mask, 4, torch.float32)
out["gpt.alibi_mpt"] = build_alibi_bias(6, 5)
out["gpt.alibi_mpt8"] = build_alibi_bias(8, 5)
bq = f32(torch.randn(12, 5, 4)).requires_grad_(True)
bk = f32(torch.randn(12, 4, 5)).requires_grad_(True)
out["gpt.bq"] = bq.detach().float()
out["gpt.bk"] = bk.detach().float()
# BloomAttention: matmul_result = alibi.baddbmm(batch1=query_layer, batch2=key_layer, beta=self.beta,
# alpha=self.inv_norm_factor), then the boolean causal-and-padding mask filled with finfo.min and the softmax
scores_b = alibi.baddbmm(batch1=bq, batch2=bk, beta=1.0, alpha=1 / math.sqrt(4))
causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
bmask = causal[None] | (alibi_mask == 0)[:, None, :]
probs_b = F.softmax(scores_b.view(2, 6, 5, 5).masked_fill(bmask[:, None], torch.finfo(torch.float64).min), dim=-1)
out["gpt.bloom_probs"] = probs_b.detach().clone()
(probs_b * torch.linspace(-1, 1, 25).view(5, 5)).sum().backward()
out["gpt.bq_grad"] = bq.grad
out["gpt.bk_grad"] = bk.grad


# 3. GAT as PyG's GATConv computes it ---------------------------------------------------------------------------------
def remove_self_loops(edge_index):
    mask = edge_index[0] != edge_index[1]
    return edge_index[:, mask]


def add_self_loops(edge_index, num_nodes):
    loop_index = torch.arange(0, num_nodes, dtype=torch.long)
    loop_index = loop_index.unsqueeze(0).repeat(2, 1)
    return torch.cat([edge_index, loop_index], dim=1)


def pyg_softmax(src, index, num_nodes):
    """torch_geometric.utils.softmax (ptr None): scatter max of the detached scores, exp, scatter sum + 1e-16."""
    dim = 0
    size = [num_nodes] + list(src.shape[1:])
    idx = index.view(-1, *([1] * (src.dim() - 1))).expand_as(src)  # torch_geometric.utils.scatter's broadcast
    src_max = src.detach().new_zeros(size).scatter_reduce_(dim, idx, src.detach(), reduce="amax", include_self=False)
    out_ = src - src_max.index_select(dim, index)
    out_ = out_.exp()
    out_sum = out_.new_zeros(size).scatter_add_(dim, idx, out_) + 1e-16
    out_sum = out_sum.index_select(dim, index)
    return out_ / out_sum


class GATConv(nn.Module):
    def __init__(self, in_channels, out_channels, heads=1, concat=True, negative_slope=0.2, dropout=0.0):
        super().__init__()
        self.heads, self.out_channels, self.concat = heads, out_channels, concat
        self.negative_slope, self.dropout = negative_slope, dropout
        self.lin = nn.Linear(in_channels, heads * out_channels, bias=False)
        self.att_src = nn.Parameter(torch.empty(1, heads, out_channels))
        self.att_dst = nn.Parameter(torch.empty(1, heads, out_channels))
        self.bias = nn.Parameter(torch.empty(heads * out_channels if concat else out_channels))
        nn.init.xavier_uniform_(self.lin.weight)
        nn.init.xavier_uniform_(self.att_src)
        nn.init.xavier_uniform_(self.att_dst)
        nn.init.uniform_(self.bias, -0.1, 0.1)  # PyG zeros it; non-zero here so that its path shows

    def forward(self, x, edge_index):
        H, C = self.heads, self.out_channels
        num_nodes = x.size(0)
        x = self.lin(x).view(-1, H, C)
        alpha_src = (x * self.att_src).sum(dim=-1)
        alpha_dst = (x * self.att_dst).sum(dim=-1)
        edge_index = add_self_loops(remove_self_loops(edge_index), num_nodes)
        src, dst = edge_index[0], edge_index[1]
        alpha = alpha_src.index_select(0, src) + alpha_dst.index_select(0, dst)  # alpha_j + alpha_i
        alpha = F.leaky_relu(alpha, self.negative_slope)
        alpha = pyg_softmax(alpha, dst, num_nodes)
        alpha = F.dropout(alpha, p=self.dropout, training=self.training)
        msg = x.index_select(0, src) * alpha.unsqueeze(-1)
        out_ = torch.zeros(num_nodes, H, C, dtype=x.dtype).index_add_(0, dst, msg)
        out_ = out_.view(-1, H * C) if self.concat else out_.mean(dim=1)
        return out_ + self.bias, alpha


class GAT(nn.Module):
    def __init__(self, in_channels, hidden, heads, classes):
        super().__init__()
        self.conv1 = GATConv(in_channels, hidden, heads=heads, dropout=0.0)
        self.conv2 = GATConv(hidden * heads, classes, heads=1, concat=False, dropout=0.0)

    def forward(self, x, edge_index):
        x = F.dropout(x, p=0.0, training=self.training)
        x = F.elu(self.conv1(x, edge_index)[0])
        x = F.dropout(x, p=0.0, training=self.training)
        return self.conv2(x, edge_index)


gat = GAT(5, 4, 2, 3)
save_init("gat.init", gat)
gat_x = f32(torch.randn(7, 5))
out["gat.x"] = gat_x.float()
# a directed graph with a duplicate edge (1 -> 2 twice, both kept, as PyG keeps them), a self loop on 3 to be
# replaced, and node 6 with no incoming edge but its own loop
gat_edges = torch.tensor([[0, 1, 1, 2, 3, 3, 4, 5, 0, 2, 1, 5],
                          [1, 2, 2, 0, 3, 4, 5, 4, 3, 1, 0, 0]])
out["gat.edges"] = gat_edges
gat_y = torch.tensor([0, 1, 2, 0, 1, 2, 0])
gat_train = torch.tensor([True, True, False, True, True, False, True])
out["gat.y"] = gat_y


def gat_forward(step):
    logits, alpha = gat(gat_x, gat_edges)
    if step == 0:
        out["gat.alpha0"] = alpha.detach().clone()
    return logits, F.cross_entropy(logits[gat_train], gat_y[gat_train])


train("gat.", gat, torch.optim.Adam(gat.parameters(), lr=0.005, weight_decay=5e-4), 3, gat_forward,
      first=lambda y: out.__setitem__("gat.out0", y.detach().clone()))
# scatter_reduce's amax with and without include_self, and its gradient (ties split evenly in 2.x and 1.13)
sr_src = torch.tensor([[1.0, 2.0], [3.0, 2.0], [3.0, -1.0], [0.5, 4.0]], requires_grad=True)
sr_idx = torch.tensor([[0, 0], [0, 0], [0, 1], [2, 1]])
sr_self = torch.tensor([[2.0, 5.0], [-3.0, -2.0], [0.0, 0.0]], requires_grad=True)
sr_a = sr_self.scatter_reduce(0, sr_idx, sr_src, reduce="amax", include_self=False)
sr_b = sr_self.scatter_reduce(0, sr_idx, sr_src, reduce="amax", include_self=True)
out["gat.sr_a"] = sr_a.detach().clone()
out["gat.sr_b"] = sr_b.detach().clone()
(sr_a * torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]) + sr_b * 10).sum().backward()
out["gat.sr_src_grad"] = sr_src.grad
out["gat.sr_self_grad"] = sr_self.grad


# 4. Exact GP regression (GPyTorch-style) -----------------------------------------------------------------------------
class ExactGP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.raw_lengthscale = nn.Parameter(torch.zeros(1, d))
        self.raw_outputscale = nn.Parameter(torch.tensor(0.0))
        self.raw_noise = nn.Parameter(torch.zeros(1))
        self.constant = nn.Parameter(torch.tensor(0.0))

    def kernel(self, x1, x2):
        ls = F.softplus(self.raw_lengthscale)
        d = torch.cdist(x1.div(ls), x2.div(ls))
        return F.softplus(self.raw_outputscale) * torch.exp(-0.5 * d.pow(2))

    def noise(self):
        return F.softplus(self.raw_noise) + 1e-4

    def nmll(self, x, y):
        n = x.size(0)
        K = self.kernel(x, x) + self.noise() * torch.eye(n)
        L = torch.linalg.cholesky(K)
        r = (y - self.constant).unsqueeze(-1)
        alpha = torch.cholesky_solve(r, L)
        logdet = 2 * L.diagonal(dim1=-2, dim2=-1).log().sum()
        mll = -0.5 * (r.transpose(-1, -2) @ alpha).squeeze() - 0.5 * logdet - 0.5 * n * math.log(2 * math.pi)
        return -mll / n, L, alpha

    def predict(self, x, y, xs):
        _, L, alpha = self.nmll(x, y)
        Ks = self.kernel(xs, x)
        mean = self.constant + (Ks @ alpha).squeeze(-1)
        v = torch.linalg.solve_triangular(L, Ks.transpose(-1, -2), upper=False)
        var = F.softplus(self.raw_outputscale) - v.pow(2).sum(0) + self.noise()
        return mean, var


gp = ExactGP(2)
with torch.no_grad():
    gp.raw_lengthscale.copy_(torch.tensor([[0.3, -0.2]]))
    gp.raw_noise.fill_(-2.0)
save_init("gp.init", gp)
gp_x = f32(torch.rand(12, 2) * 4 - 2)
gp_y = f32(torch.sin(gp_x[:, 0] * 1.5) + 0.5 * gp_x[:, 1] + 0.05 * torch.randn(12))
gp_xs = f32(torch.rand(5, 2) * 4 - 2)
out["gp.x"] = gp_x.float()
out["gp.y"] = gp_y.float()
out["gp.xs"] = gp_xs.float()
train("gp.", gp, torch.optim.Adam(gp.parameters(), lr=0.1), 5, lambda step: (None, gp.nmll(gp_x, gp_y)[0]))
with torch.no_grad():
    m_, v_ = gp.predict(gp_x, gp_y, gp_xs)
    out["gp.mean"] = m_
    out["gp.var"] = v_
    out["gp.L"] = gp.nmll(gp_x, gp_y)[1]


# 5. Mixture density network with torch.distributions ------------------------------------------------------------------
class MDN(nn.Module):
    def __init__(self, in_dim, out_dim, n_comp, hidden):
        super().__init__()
        self.k, self.d = n_comp, out_dim
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, n_comp)
        self.mu = nn.Linear(hidden, n_comp * out_dim)
        self.sigma = nn.Linear(hidden, n_comp * out_dim)

    def forward(self, x):
        h = self.net(x)
        logits = self.pi(h)
        mu = self.mu(h).view(-1, self.k, self.d)
        sigma = (F.softplus(self.sigma(h)) + 1e-3).view(-1, self.k, self.d)
        mix = D.Categorical(logits=logits)
        comp = D.Independent(D.Normal(mu, sigma), 1)
        return D.MixtureSameFamily(mix, comp)


mdn = MDN(1, 2, 3, 8)
save_init("mdn.init", mdn)
mdn_x = f32(torch.rand(16, 1) * 2 - 1)
mdn_y = f32(torch.cat([torch.sin(3 * mdn_x), torch.cos(3 * mdn_x)], 1) * torch.sign(torch.randn(16, 1))
            + 0.1 * torch.randn(16, 2))
out["mdn.x"] = mdn_x.float()
out["mdn.y"] = mdn_y.float()


def mdn_forward(step):
    gmm = mdn(mdn_x)
    return gmm, -gmm.log_prob(mdn_y).mean()


train("mdn.", mdn, torch.optim.Adam(mdn.parameters(), lr=0.01), 3, mdn_forward,
      first=lambda g: out.__setitem__("mdn.lp0", g.log_prob(mdn_y).detach().clone()))
with torch.no_grad():
    mdn_xt = f32(torch.linspace(-1, 1, 4).unsqueeze(1))
    out["mdn.xt"] = mdn_xt.float()
    g = mdn(mdn_xt)
    out["mdn.t_lp"] = g.log_prob(mdn_y[:4])
    out["mdn.t_mean"] = g.mean
    out["mdn.t_var"] = g.variance
    # a univariate mixture over the first output: Normal components, no Independent, and its cdf
    h = mdn.net(mdn_xt)
    g1 = D.MixtureSameFamily(D.Categorical(logits=mdn.pi(h)),
                             D.Normal(mdn.mu(h).view(-1, 3, 2)[..., 0],
                                      (F.softplus(mdn.sigma(h)) + 1e-3).view(-1, 3, 2)[..., 0]))
    out["mdn.u_lp"] = g1.log_prob(mdn_y[:4, 0])
    out["mdn.u_cdf"] = g1.cdf(mdn_y[:4, 0])
    out["mdn.u_mean"] = g1.mean
    out["mdn.u_var"] = g1.variance


# 6. FT-Transformer (yandex-research/rtdl) and EfficientNet's MBConv (torchvision) ------------------------------------
class NumericalFeatureTokenizer(nn.Module):
    def __init__(self, n_features, d_token, bias):
        super().__init__()
        d_sqrt_inv = 1 / math.sqrt(d_token)  # _TokenInitialization.UNIFORM
        self.weight = nn.Parameter(torch.Tensor(n_features, d_token))
        self.bias = nn.Parameter(torch.Tensor(n_features, d_token)) if bias else None
        for parameter in [self.weight, self.bias]:
            if parameter is not None:
                nn.init.uniform_(parameter, a=-d_sqrt_inv, b=d_sqrt_inv)

    def forward(self, x):
        x = self.weight[None] * x[..., None]
        if self.bias is not None:
            x = x + self.bias[None]
        return x


class CategoricalFeatureTokenizer(nn.Module):
    def __init__(self, cardinalities, d_token, bias):
        super().__init__()
        category_offsets = torch.tensor([0] + cardinalities[:-1]).cumsum(0)
        self.register_buffer('category_offsets', category_offsets, persistent=False)
        self.embeddings = nn.Embedding(sum(cardinalities), d_token)
        self.bias = nn.Parameter(torch.Tensor(len(cardinalities), d_token)) if bias else None
        d_sqrt_inv = 1 / math.sqrt(d_token)
        for parameter in [self.embeddings.weight, self.bias]:
            if parameter is not None:
                nn.init.uniform_(parameter, a=-d_sqrt_inv, b=d_sqrt_inv)

    def forward(self, x):
        x = self.embeddings(x + self.category_offsets[None])
        if self.bias is not None:
            x = x + self.bias[None]
        return x


class FeatureTokenizer(nn.Module):
    def __init__(self, n_num_features, cat_cardinalities, d_token):
        super().__init__()
        self.num_tokenizer = NumericalFeatureTokenizer(n_num_features, d_token, True)
        self.cat_tokenizer = CategoricalFeatureTokenizer(cat_cardinalities, d_token, True)

    def forward(self, x_num, x_cat):
        x = [self.num_tokenizer(x_num), self.cat_tokenizer(x_cat)]
        return x[0] if len(x) == 1 else torch.cat(x, dim=1)


class CLSToken(nn.Module):
    def __init__(self, d_token):
        super().__init__()
        self.weight = nn.Parameter(torch.Tensor(d_token))
        d_sqrt_inv = 1 / math.sqrt(d_token)
        nn.init.uniform_(self.weight, a=-d_sqrt_inv, b=d_sqrt_inv)

    def expand(self, *leading_dimensions):
        if not leading_dimensions:
            return self.weight
        new_dims = (1,) * (len(leading_dimensions) - 1)
        return self.weight.view(*new_dims, -1).expand(*leading_dimensions, -1)

    def forward(self, x):
        return torch.cat([x, self.expand(len(x), 1)], dim=1)


class RtdlMultiheadAttention(nn.Module):
    def __init__(self, d_token, n_heads):
        super().__init__()
        self.W_q = nn.Linear(d_token, d_token, True)
        self.W_k = nn.Linear(d_token, d_token, True)
        self.W_v = nn.Linear(d_token, d_token, True)
        self.W_out = nn.Linear(d_token, d_token, True) if n_heads > 1 else None
        self.n_heads = n_heads
        for m in [self.W_q, self.W_k, self.W_v]:
            if m is not self.W_v or self.W_out is not None:
                nn.init.xavier_uniform_(m.weight, gain=1 / math.sqrt(2))
            nn.init.uniform_(m.bias, -0.1, 0.1)  # rtdl zeros them; non-zero here so that their paths show

    def _reshape(self, x):
        batch_size, n_tokens, d = x.shape
        d_head = d // self.n_heads
        return (x.reshape(batch_size, n_tokens, self.n_heads, d_head).transpose(1, 2)
                .reshape(batch_size * self.n_heads, n_tokens, d_head))

    def forward(self, x_q, x_kv):
        q, k, v = self.W_q(x_q), self.W_k(x_kv), self.W_v(x_kv)
        batch_size = len(q)
        d_head_key = k.shape[-1] // self.n_heads
        d_head_value = v.shape[-1] // self.n_heads
        n_q_tokens = q.shape[1]
        q = self._reshape(q)
        k = self._reshape(k)
        attention_logits = q @ k.transpose(1, 2) / math.sqrt(d_head_key)
        attention_probs = F.softmax(attention_logits, dim=-1)
        x = attention_probs @ self._reshape(v)
        x = (x.reshape(batch_size, self.n_heads, n_q_tokens, d_head_value).transpose(1, 2)
             .reshape(batch_size, n_q_tokens, self.n_heads * d_head_value))
        if self.W_out is not None:
            x = self.W_out(x)
        return x


class ReGLU(nn.Module):
    def forward(self, x):
        a, b = x.chunk(2, dim=-1)
        return a * F.relu(b)


class FFN(nn.Module):
    def __init__(self, d_token, d_hidden):
        super().__init__()
        self.linear_first = nn.Linear(d_token, d_hidden * 2, True)
        self.activation = ReGLU()
        self.dropout = nn.Dropout(0.0)
        self.linear_second = nn.Linear(d_hidden, d_token, True)

    def forward(self, x):
        return self.linear_second(self.dropout(self.activation(self.linear_first(x))))


class RtdlTransformer(nn.Module):
    def __init__(self, d_token, n_blocks, n_heads, d_hidden, d_out):
        super().__init__()
        self.prenormalization = True
        self.last_layer_query_idx = [-1]
        self.blocks = nn.ModuleList([])
        for layer_idx in range(n_blocks):
            layer = nn.ModuleDict({
                'attention': RtdlMultiheadAttention(d_token, n_heads),
                'ffn': FFN(d_token, d_hidden),
                'attention_residual_dropout': nn.Dropout(0.0),
                'ffn_residual_dropout': nn.Dropout(0.0),
                'output': nn.Identity(),
            })
            if layer_idx:  # first_prenormalization=False: the first block has no attention_normalization
                layer['attention_normalization'] = nn.LayerNorm(d_token)
            layer['ffn_normalization'] = nn.LayerNorm(d_token)
            self.blocks.append(layer)
        self.head = nn.ModuleDict({'normalization': nn.LayerNorm(d_token), 'activation': nn.ReLU(),
                                   'linear': nn.Linear(d_token, d_out)})

    def _start_residual(self, layer, stage, x):
        x_residual = x
        if self.prenormalization:
            norm_key = f'{stage}_normalization'
            if norm_key in layer:
                x_residual = layer[norm_key](x_residual)
        return x_residual

    def _end_residual(self, layer, stage, x, x_residual):
        x_residual = layer[f'{stage}_residual_dropout'](x_residual)
        return x + x_residual

    def forward(self, x):
        for layer_idx, layer in enumerate(self.blocks):
            query_idx = self.last_layer_query_idx if layer_idx + 1 == len(self.blocks) else None
            x_residual = self._start_residual(layer, 'attention', x)
            x_residual = layer['attention'](x_residual if query_idx is None else x_residual[:, query_idx], x_residual)
            if query_idx is not None:
                x = x[:, query_idx]
            x = self._end_residual(layer, 'attention', x, x_residual)
            x_residual = self._start_residual(layer, 'ffn', x)
            x_residual = layer['ffn'](x_residual)
            x = self._end_residual(layer, 'ffn', x, x_residual)
            x = layer['output'](x)
        x = x[:, -1]  # Transformer.Head
        x = self.head['normalization'](x)
        x = self.head['activation'](x)
        return self.head['linear'](x)


class FTTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.feature_tokenizer = FeatureTokenizer(3, [3, 4], 8)
        self.cls_token = CLSToken(8)
        self.transformer = RtdlTransformer(8, 2, 2, 6, 1)

    def optimization_param_groups(self):
        no_wd_names = ['feature_tokenizer', 'normalization', '.bias']

        def needs_wd(name):
            return all(x not in name for x in no_wd_names)
        return [{'params': [v for k, v in self.named_parameters() if needs_wd(k)]},
                {'params': [v for k, v in self.named_parameters() if not needs_wd(k)], 'weight_decay': 0.0}]

    def forward(self, x_num, x_cat):
        x = self.feature_tokenizer(x_num, x_cat)
        x = self.cls_token(x)
        return self.transformer(x)


ft = FTTransformer()
save_init("ft.init", ft)
ft_num = f32(torch.randn(6, 3))
ft_cat = torch.stack([torch.randint(0, 3, (6,)), torch.randint(0, 4, (6,))], 1)
ft_y = f32(torch.randn(6))
out["ft.num"] = ft_num.float()
out["ft.cat"] = ft_cat
out["ft.y"] = ft_y.float()
out["ft.groups"] = torch.tensor([len(g["params"]) for g in ft.optimization_param_groups()])
train("ft.", ft, torch.optim.AdamW(ft.optimization_param_groups(), lr=0.01, weight_decay=0.1), 3,
      lambda step: (lambda y: (y, F.mse_loss(y.squeeze(-1), ft_y)))(ft(ft_num, ft_cat)),
      first=lambda y: out.__setitem__("ft.out0", y.detach().clone()))


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, groups=1, norm_layer=None,
                 activation_layer=nn.ReLU):
        padding = (kernel_size - 1) // 2
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups,
                            bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input):
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, input):
        scale = self._scale(input)
        return scale * input


class StochasticDepth(nn.Module):
    """torchvision.ops.stochastic_depth in "row" mode, its Bernoulli draw replaced by a fixed mask (data): noise =
    torch.empty(size).bernoulli_(survival_rate) would be PyTorch's stream, not Ember's."""
    def __init__(self, p, mask):
        super().__init__()
        self.p, self.mask = p, mask

    def forward(self, input):
        if not self.training or self.p == 0.0:
            return input
        survival_rate = 1.0 - self.p
        size = [input.shape[0]] + [1] * (input.ndim - 1)
        noise = self.mask.view(size).clone()  # torch.empty(size, ...).bernoulli_(survival_rate)
        if survival_rate > 0.0:
            noise.div_(survival_rate)
        return input * noise


class MBConv(nn.Module):
    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, stochastic_depth_prob, mask,
                 norm_layer):
        super().__init__()
        self.use_res_connect = stride == 1 and input_channels == out_channels
        layers = []
        activation_layer = nn.SiLU
        expanded_channels = _make_divisible(input_channels * expand_ratio, 8)
        if expanded_channels != input_channels:
            layers.append(Conv2dNormActivation(input_channels, expanded_channels, kernel_size=1,
                                               norm_layer=norm_layer, activation_layer=activation_layer))
        layers.append(Conv2dNormActivation(expanded_channels, expanded_channels, kernel_size=kernel, stride=stride,
                                           groups=expanded_channels, norm_layer=norm_layer,
                                           activation_layer=activation_layer))
        squeeze_channels = max(1, input_channels // 4)
        layers.append(SqueezeExcitation(expanded_channels, squeeze_channels, activation=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded_channels, out_channels, kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, mask)

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result)
            result += input
        return result


class TinyEfficientNet(nn.Module):
    def __init__(self, mask):
        super().__init__()
        norm_layer = lambda c: nn.BatchNorm2d(c, eps=0.001, momentum=0.01)  # noqa: E731  (partial(...) in torchvision)
        self.features = nn.Sequential(
            Conv2dNormActivation(3, 8, kernel_size=3, stride=2, norm_layer=norm_layer, activation_layer=nn.SiLU),
            MBConv(1, 3, 1, 8, 8, 0.5, mask, norm_layer),
            MBConv(6, 5, 2, 8, 12, 0.0, mask, norm_layer))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=0.0), nn.Linear(12, 3))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


mb_mask = torch.tensor([1.0, 0.0, 1.0])  # the rows' Bernoulli(survival 0.5) draws, fixed
out["mb.mask"] = mb_mask.float()
mb = TinyEfficientNet(mb_mask)
with torch.no_grad():  # BatchNorms away from their ones and zeros
    for name, p in mb.named_parameters():
        if p.dim() == 1:
            p.add_(torch.randn_like(p) * 0.2)
save_init("mb.init", mb)
mb_x = f32(torch.randn(3, 3, 12, 12))
mb_y = torch.tensor([0, 2, 1])
out["mb.x"] = mb_x.float()
train("mb.", mb, torch.optim.RMSprop(mb.parameters(), lr=0.01, alpha=0.9, eps=0.0316, weight_decay=1e-5,
                                     momentum=0.9), 3,
      lambda step: (lambda y: (y, F.cross_entropy(y, mb_y, label_smoothing=0.1)))(mb(mb_x)),
      first=lambda y: out.__setitem__("mb.out0", y.detach().clone()))
out["mb.final_buffers"] = torch.cat([b.reshape(-1) for k, b in mb.named_buffers() if b.is_floating_point()])
mb.eval()
with torch.no_grad():
    out["mb.eval"] = mb(mb_x)


# 6b. the recipes' smaller tools: PyG's scatter reduces, GPyTorch's psd_safe_cholesky, HF's logits processors --------
# torch_geometric.utils.scatter for each reduce as PyG 2.x writes it (index broadcast, new_zeros, scatter_add_ for sum,
# scatter_reduce_ with include_self=False for mean / amax / amin / prod), on edges with ties, zeros and a node that no
# edge reaches (its row keeps new_zeros' 0); and PyG's add_self_loops(fill_value="mean"): each loop's attribute the
# mean of the node's incoming edges' attributes
sc_src = torch.tensor([[1.0, 0.0], [3.0, 2.0], [3.0, -1.0], [0.5, 4.0], [-2.0, 0.0], [2.0, 2.0]], requires_grad=True)
sc_index = torch.tensor([0, 0, 2, 3, 3, 0])  # node 1 gets nothing
sc_w = f32(torch.randn(4, 2))
out["sc.w"] = sc_w.float()
for reduce in ["sum", "mean", "amax", "amin", "prod"]:
    idx = sc_index.view(-1, 1).expand_as(sc_src)
    if reduce == "sum":
        r = sc_src.new_zeros(4, 2).scatter_add_(0, idx, sc_src)
    else:
        r = sc_src.new_zeros(4, 2).scatter_reduce_(0, idx, sc_src, reduce=reduce, include_self=False)
    g, = torch.autograd.grad((r * sc_w).sum(), sc_src)
    out["sc." + reduce] = r.detach()
    out["sc." + reduce + "_grad"] = g
    # the same with include_self=True on a non-zero self (torch_scatter's out= argument)
    base = torch.tensor([[1.0, -1.0], [2.0, 0.5], [3.0, 3.0], [0.0, 4.0]], requires_grad=True)
    if reduce != "sum":
        r2 = base.scatter_reduce(0, idx, sc_src, reduce=reduce, include_self=True)
        g_src, g_base = torch.autograd.grad((r2 * sc_w).sum(), [sc_src, base])
        out["sc." + reduce + "_self"] = r2.detach()
        out["sc." + reduce + "_self_grad"] = torch.cat([g_src, g_base])

# GPyTorch's psd_safe_cholesky (gpytorch/utils/cholesky.py): cholesky_ex, then jitter added in place to the diagonal
# of a clone for the batch members whose info is non-zero (the setting's jitter, times 10 each try, 3 tries); on a
# batch of kernel matrices shifted by -3e-6 I, one with two equal inputs (so surely indefinite, not singular to within
# rounding), with jitter 1e-6 (cholesky_jitter's float value, passed as jitter=): the first try's 1e-6 is not enough,
# the second's 1e-5 is; and the factor's gradient to the inputs. (float64's default 1e-8 on an exactly singular
# matrix would leave a pivot of 1e-8 whose rounding is 1e-8 relative: not a comparison at 1e-12.)
def psd_safe_cholesky(A, jitter=None, max_tries=3):
    L, info = torch.linalg.cholesky_ex(A)
    if not torch.any(info):
        return L, 0
    isnan = torch.isnan(A)
    if isnan.any():
        raise ValueError("cholesky_cpu: %d of %d elements of the tensor are NaN." % (isnan.sum().item(), A.numel()))
    if jitter is None:
        jitter = 1e-6 if A.dtype == torch.float32 else 1e-8
    Aprime = A.clone()
    jitter_prev = 0
    for i in range(max_tries):
        jitter_new = jitter * (10 ** i)
        diag_add = ((info > 0) * (jitter_new - jitter_prev)).unsqueeze(-1).expand(*Aprime.shape[:-1])
        Aprime.diagonal(dim1=-1, dim2=-2).add_(diag_add)
        jitter_prev = jitter_new
        L, info = torch.linalg.cholesky_ex(Aprime)
        if not torch.any(info):
            return L, i + 1
    raise RuntimeError("Matrix not positive definite after repeatedly adding jitter up to %.1e." % jitter_new)


ch_x = f32(torch.randn(2, 5, 2))
ch_x[1, 3] = ch_x[1, 1]  # a repeated input: K[1] is singular without noise
out["ch.x"] = ch_x.float()
ch_x.requires_grad_(True)
ch_K = torch.exp(-0.5 * torch.cdist(ch_x, ch_x).pow(2)) - 3e-6 * torch.eye(5)
ch_L, ch_tries = psd_safe_cholesky(ch_K, jitter=1e-6)
assert ch_tries == 2
out["ch.L"] = ch_L.detach()
out["ch.tries"] = torch.tensor(ch_tries)
out["ch.info"] = torch.linalg.cholesky_ex(ch_K)[1]
ch_w = f32(torch.randn(2, 5, 5)).tril()
out["ch.w"] = ch_w.float()
out["ch.x_grad"], = torch.autograd.grad((ch_L * ch_w).sum(), ch_x)


# Hugging Face's logits processors on fixed scores, as generate() chains them: RepetitionPenaltyLogitsProcessor (gather
# of the generated ids, repeated ones included, where(score < 0, score * p, score / p), scatter_ back),
# MinLengthLogitsProcessor (the eos column to -inf), TemperatureLogitsWarper, then TopK and TopP; and whisper's
# ApplyTimestampRules' core (log_softmax, the timestamps' logsumexp against the best text token, -inf over the loser)
lp_ids = torch.tensor([[3, 5, 3, 0], [7, 7, 7, 1]])
lp_scores = f32(torch.randn(2, 12) * 2)
out["lp.ids"] = lp_ids
out["lp.scores"] = lp_scores.float()
score = torch.gather(lp_scores, 1, lp_ids)
score = torch.where(score < 0, score * 1.3, score / 1.3)
lp = lp_scores.clone().scatter_(1, lp_ids, score)
out["lp.rep"] = lp.clone()
lp[:, 11] = -float("inf")  # min_length not reached: eos_token_id 11
lp = lp / 0.7
lp = TopKLogitsWarper(6)(lp_ids, lp)
lp = TopPLogitsWarper(0.9)(lp_ids, lp)
out["lp.chain"] = lp
# generate()'s sampling distribution over the filtered scores, as torch.distributions sees it: Categorical(logits=)
# with -inf entries (its logits normalized by logsumexp, probs 0 there, entropy with the logits clamped to finfo.min,
# log_prob -inf for a filtered token)
cat = D.Categorical(logits=lp)
out["lp.cat_logits"] = cat.logits
out["lp.cat_probs"] = cat.probs
out["lp.cat_entropy"] = cat.entropy()
out["lp.cat_lp"] = cat.log_prob(torch.tensor([[0, 5], [11, 2]]))
ts_logits = torch.randn(3, 12) * 2
ts_logits[1, 8:] += 4.0  # a row whose timestamps win
ts_logits = f32(ts_logits)
out["lp.ts_logits"] = ts_logits.float()
timestamp_begin = 8
logprobs = F.log_softmax(ts_logits.float().double(), dim=-1)
ts_out = ts_logits.clone()
for k in range(ts_logits.shape[0]):
    timestamp_logprob = logprobs[k, timestamp_begin:].logsumexp(dim=-1)
    max_text_token_logprob = logprobs[k, :timestamp_begin].max()
    if timestamp_logprob > max_text_token_logprob:
        ts_out[k, :timestamp_begin] = -np.inf
out["lp.ts"] = ts_out
out["lp.ts_logprobs"] = logprobs


# the GAT layer once more with torch.sparse, as GAT tutorials write it without PyG: per head, the edge scores as a
# sparse COO adjacency (rows the destinations; the duplicate edge 1 -> 2 is summed by the coalescing), torch.sparse.softmax
# over each row, torch.sparse.mm with the head's features; the fresh first layer, its output and gradients
def sparse_gat_conv(conv, x, edge_index):
    H, C = conv.heads, conv.out_channels
    N = x.size(0)
    xh = conv.lin(x).view(-1, H, C)
    a_src = (xh * conv.att_src).sum(-1)
    a_dst = (xh * conv.att_dst).sum(-1)
    ei = add_self_loops(remove_self_loops(edge_index), N)
    src, dst = ei[0], ei[1]
    e = F.leaky_relu(a_src[src] + a_dst[dst], 0.2)
    outs = []
    for h in range(H):
        adj = torch.sparse_coo_tensor(torch.stack([dst, src]), e[:, h], (N, N))
        att = torch.sparse.softmax(adj, dim=1)
        outs.append(torch.sparse.mm(att, xh[:, h]))
    return torch.cat(outs, 1) + conv.bias


sgat = GAT(5, 4, 2, 3)
sgat.load_state_dict({k: v.reshape(s.shape).double() for (k, s), v in zip(sgat.state_dict().items(), torch.split(
    out["gat.initflat"], [s.numel() for s in sgat.state_dict().values()]))})
sg_out = sparse_gat_conv(sgat.conv1, gat_x, gat_edges)
out["sg.out"] = sg_out.detach().clone()
sg_w = f32(torch.randn(7, 8))
out["sg.w"] = sg_w.float()
(sg_out * sg_w).sum().backward()
out["sg.grad0flat"] = torch.cat([p.grad.reshape(-1) for _, p in sgat.conv1.named_parameters()])


# 6c. the first step of each model in float32, as the recipes run (f32.<prefix>.*): the model built with float32 the
# default type, the very same initial values (the float64 program's float32 copies, loaded by name), the data in
# float32; its output, loss and first gradients
def first32(prefix, model, init, forward):
    state = model.state_dict()
    model.load_state_dict({k: v.reshape(s.shape) for (k, s), v in zip(state.items(), torch.split(
        out[init + "flat"], [s.numel() for s in state.values()]))})
    y, loss = forward(model)
    loss.backward()
    if y is not None:
        out["f32." + prefix + "out0"] = y.detach().clone()
    out["f32." + prefix + "loss"] = loss.detach().clone()
    out["f32." + prefix + "grad0flat"] = torch.cat([p.grad.reshape(-1) for _, p in model.named_parameters()])


torch.set_default_dtype(torch.float32)
first32("gpt.", GPT2LMHeadModel(13, 10, 8, 2, 2), "gpt.init",
        lambda m: (lambda r: (r[1], r[0]))(m(gpt_ids, attention_mask=gpt_mask, position_ids=gpt_pos,
                                             labels=gpt_labels)))
first32("gat.", GAT(5, 4, 2, 3), "gat.init",
        lambda m: (lambda y: (y, F.cross_entropy(y[gat_train], gat_y[gat_train])))(m(gat_x.float(), gat_edges)[0]))
first32("gp.", ExactGP(2), "gp.init", lambda m: (None, m.nmll(gp_x.float(), gp_y.float())[0]))
first32("mdn.", MDN(1, 2, 3, 8), "mdn.init",
        lambda m: (lambda lp: (lp, -lp.mean()))(m(mdn_x.float()).log_prob(mdn_y.float())))
first32("ft.", FTTransformer(), "ft.init",
        lambda m: (lambda y: (y, F.mse_loss(y.squeeze(-1), ft_y.float())))(m(ft_num.float(), ft_cat)))
first32("mb.", TinyEfficientNet(mb_mask.float()), "mb.init",
        lambda m: (lambda y: (y, F.cross_entropy(y, mb_y, label_smoothing=0.1)))(m(mb_x.float())))
torch.set_default_dtype(torch.float64)


# 7. the recipes' misuses: PyTorch's messages (texts20.txt) -------------------------------------------------------------
texts = {}


def message(key, f):
    try:
        f()
    except (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError) as ex:
        texts[key] = str(ex).split("\n")[0]
        return
    raise AssertionError(key + " raised nothing")


# the GP's Cholesky of a kernel matrix without its noise (two equal inputs: singular)
message("cholesky", lambda: torch.linalg.cholesky(torch.tensor([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]])))
# GPT-2's Conv1D given hidden states of the wrong width (addmm of [12, 7] and the [8, 24] weight)
message("addmm", lambda: torch.addmm(torch.zeros(24), torch.zeros(12, 7), torch.zeros(8, 24)))
# PyG's scatter with a reduce name scatter_reduce does not know ("max" is torch_scatter's)
message("scatter_reduce", lambda: torch.zeros(3, 2).scatter_reduce(0, torch.zeros(2, 2, dtype=torch.long),
                                                                   torch.ones(2, 2), reduce="max"))
# the MDN's mixture with one component more than the components' batch
message("mixture", lambda: D.MixtureSameFamily(D.Categorical(logits=torch.zeros(4, 4)),
                                               D.Independent(D.Normal(torch.zeros(4, 3, 2), torch.ones(4, 3, 2)), 1)))
# whisper's stft with a window of another length than n_fft (N_FFT changed, the window not)
message("stft", lambda: torch.stft(torch.zeros(2, 64), 16, 4, window=torch.hann_window(12), return_complex=True))
# the GAT's index_add_ of messages with one edge index too many
message("index_add", lambda: torch.zeros(7, 2, 4).index_add_(0, torch.zeros(5, dtype=torch.long),
                                                             torch.ones(4, 2, 4)))
# the MDN's mixture given a Normal where the Categorical goes
message("mixture_type", lambda: D.MixtureSameFamily(D.Normal(torch.zeros(4, 3), torch.ones(4, 3)),
                                                    D.Normal(torch.zeros(4, 3), torch.ones(4, 3))))
# 1.13 spells it "torch.distribtutions.Categorical"; 2.x's mixture_same_family.py corrected the word: 2.x's text
texts["mixture_type"] = texts["mixture_type"].replace("distribtutions", "distributions")
# the MDN's Independent reinterpreting more dims than the Normal's batch has
message("independent", lambda: D.Independent(D.Normal(torch.zeros(4, 3), torch.ones(4, 3)), 3))
# the GP's kernel on test inputs of another width than the training inputs
message("cdist", lambda: torch.cdist(torch.zeros(5, 2), torch.zeros(12, 3)))
# the GP's cholesky_solve of residuals that do not match the factor
message("cholesky_solve", lambda: torch.cholesky_solve(torch.zeros(3, 1), torch.eye(4)))
# the GAT's gather of node scores by an edge index past the nodes
message("index_select", lambda: torch.zeros(7, 2).index_select(0, torch.tensor([0, 9])))
with open("texts20.txt", "w") as fh:
    for key in sorted(texts):
        fh.write(key + "\t" + texts[key] + "\n")
with open("names20.txt", "w") as fh:
    for line in NAMES:
        fh.write(line + "\n")
torch.save(out, "programs20.pt")
print(len(out), "entries")
