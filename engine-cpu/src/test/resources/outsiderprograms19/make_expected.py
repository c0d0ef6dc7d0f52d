"""Expected values for OutsiderPrograms19Test (session 44's outsider pass, round 19), run in float64 (the default type)
from PyTorch's initial weights and fixed data, which are saved beside the outputs, losses, gradients of the named
parameters after the first backward and parameters after the last step.

As round 18: the initial weights are rounded to float32 before the programs start (the float32 copies saved are exact:
the Java test widens them to float64 and starts from the very same numbers), the data are float32-representable draws
saved as float32, and only gradients, outputs and final parameters are float64.

Size (the brief asks for under 400 KB in all): each entry of a torch.save file costs some 300 bytes of its own, so the
larger models (Perceiver, PerceiverLM, the U-Net, the Set Transformer) are saved packed: their initial state as one
flattened float32 vector with the names and shapes in names19.txt (the test splits it and loads it strictly by name),
their first gradients as one flattened vector in named_parameters' order, and their parameters after training as three
summaries each (sum, sum of squares, a linspace(-1, 1)-weighted sum) plus the values of those of at most 16 elements.

  perc.*   lucidrains/perceiver-pytorch's Perceiver (perceiver_pytorch.py): fourier_encode (logspace scales with base 2,
           sin, cos and the position itself), positions by linspace(-1, 1) and meshgrid, rearrange '... n d -> ... (n d)'
           and repeat '... -> b ...' written as reshape and expand, PreNorm with a context norm, Attention with
           rearrange 'b n (h d) -> (b h) n d' as reshape/permute/reshape and einsum 'b i d, b j d -> b i j', GEGLU
           feed-forward, the latents repeated over the batch, weight_tie_layers=True with depth 3 (cache_fn: layer 0 is
           its own, layers 1 and 2 the very same modules, so named_parameters lists them once and state_dict under
           every name), the mean over the
           latents and the logits head; cross entropy, Adam 3 steps.
  pio.*    perceiver_io.py's PerceiverLM (token and position embeddings, PerceiverIO with self_per_cross_attn=2, the
           decoder cross-attention from the queries (the embedded tokens) to the latents) with a padding mask
           (rearrange 'b ... -> b (...)', repeat 'b j -> (b h) () j', masked_fill_ of ~mask with -finfo.max); cross
           entropy, Adam 3 steps; then a sample masked whole (its softmax uniform).
  sd.*     CompVis latent-diffusion's openaimodel.py / attention.py blocks, scaled down (model_channels 4, GroupNorm of
           2 groups where normalization() has 32, 2 heads of 2): ResBlock (in_layers GroupNorm, SiLU, conv; emb_layers
           SiLU, linear; out_layers with the zero_module conv; emb_out[..., None] until it has h's rank; both the plain
           injection and use_scale_shift_norm's chunk(2) form), SpatialTransformer (Normalize's GroupNorm eps 1e-6,
           proj_in as a 1x1 Conv2d, rearrange 'b c h w -> b (h w) c', BasicTransformerBlock with self-attention, cross
           attention to a context and the GEGLU FeedForward, zero_module proj_out), Downsample by a stride-2 conv,
           Upsample by F.interpolate(scale_factor=2, mode="nearest") then a conv, TimestepEmbedSequential, UNetModel's
           forward (hs pushed, cat with hs.pop()), timestep_embedding, the out head with a zero_module conv; mse to the
           noise, Adam 3 steps (the first gradients are zero but for the zeroed layers' inputs' paths: only the non-zero
           ones are saved, the last step's in full); DDIM's classifier-free guidance (cat([x] * 2), cat([uncond, c]),
           chunk(2), e_t_uncond + scale * (e_t - e_t_uncond)) in eval. The float64 port's departures:
           normalization()'s GroupNorm32 runs super().forward(x.float()).type(x.dtype), which a float64 GroupNorm cannot
           take (a float32 input to float64 weights): the port uses the GroupNorm itself; timestep_embedding builds its
           frequencies in float32 (arange(dtype=float32), timesteps[:, None].float()): the port builds them in float64
           (as round 18's DiT).
  hy.*     HazyResearch safari's standalone Hyena (standalone_hyena.py): fftconv by torch.fft.rfft / irfft with
           n = 2L (norm="forward" on the inverse), PositionalEmbedding (z = exp(-1j * f * w) complex, cat of t, z.real,
           z.imag; z a Parameter as OptimModule.register makes it with lr != 0, t a buffer), Sin with a trainable freq
           (one Sin module appended three times to the implicit filter: shared), ExponentialModulation (deltas a
           buffer), HyenaFilter (implicit filter MLP, bias), HyenaOperator of order 3 (in_proj, a depthwise short
           Conv1d with padding 2 cut to L, split into x and v, k rearranged 'l (o d) -> o d l', the gated recurrence
           over reversed(x[1:])), in a tiny LM (embedding, pre-LN residual, head); cross entropy, AdamW 3 steps with
           param groups as OptimModule's _optim asks (the filter MLP at its lr and no weight decay, z at lr_pos_emb and
           no weight decay, the rest at the base lr and weight decay 0.01). The FFT convolution is also checked here
           against a direct causal convolution.
  ret.*    microsoft/torchscale's RetNet retention (multiscale_retention.py and retnet.py's RetNetRelPos, the version
           whose group_norm is LayerNorm(head_dim, elementwise_affine=False)): angle by linspace and
           unsqueeze(-1).repeat(1, 2).flatten(), decay = log(1 - 2^(-5 - arange)), the parallel mask by arange, tril,
           masked_fill with inf, exp, nan_to_num and the row normalisation, rotate_every_two by strided slices and
           stack, theta_shift, the parallel form's detached abs-sum normalisation clamp(min=1), the swish gate, xavier
           gains 2^-2.5 and 2^-1; a one-layer decoder (pre-LN, GELU FFN) with cross entropy, Adam 3 steps; then the
           recurrent form (activate_recurrent rel_pos, incremental_state with prev_key_value and scale) token by token
           against the parallel form. The port calls .double() on the model: RetNetRelPos makes decay with
           dtype=torch.float, a float32 buffer a float64 user's .double() converts (the mask is then float64).
  nsf.*    bayesiains/nflows' unconstrained_rational_quadratic_spline with linear tails (F.pad of the derivatives, the
           constant log(exp(1 - min_derivative) - 1) written into both ends, outputs[outside] = inputs[outside], the
           spline on inputs[inside]), rational_quadratic_spline (softmax widths and heights with min_bin_width and
           min_bin_height, cumsum, F.pad, cumwidths[..., 0] = left written in place, min_derivative + softplus,
           torchutils.searchsorted (bin_locations[..., -1] += eps in place, then sum(inputs[..., None] >=
           bin_locations) - 1), gather, the forward and inverse formulas and log-det), in nflows'
           PiecewiseRationalQuadraticCouplingTransform (identity and transform features by index tensors of a mask,
           unnormalized_widths /= sqrt(hidden_features) in place on views of the net's output, torch.empty_like and
           index assignment of both halves, sum_except_batch) twice with alternating masks; negative log-likelihood
           under a standard normal, Adam 3 steps; the inverse of the trained flow and its gradients (summaries).
  siren.*  vsitzmann/siren's explore_siren notebook: SineLayer (sin(omega_0 * linear), the special init: the first
           layer uniform within 1 / in_features, the others within sqrt(6 / in_features) / omega_0), Siren with the
           outermost linear layer, forward's coords.clone().detach().requires_grad_(True), get_mgrid by meshgrid,
           gradient / divergence / laplace by torch.autograd.grad with create_graph=True; the loss fits the values and
           (Poisson style) the gradients together, so every step back-propagates through a gradient (a double
           backward through sin), Adam 3 steps; the laplacian at the first step.
  set.*    juho-lee/set_transformer's modules.py (MAB with heads split by torch.cat(Q.split(dim_split, 2), 0), bmm,
           softmax over dim 2, the heads put back by split(Q.size(0), 0) and cat, ln0 / ln1, O + relu(fc_o(O)); SAB,
           ISAB with its inducing points I.repeat(X.size(0), 1, 1), PMA with its seeds; xavier_uniform_ of
           torch.Tensor(...)) in models.py's SetTransformer(ln=True), on the max-regression demo (L1 to the max of each
           set), Adam 3 steps; the trained model on a permuted set. Every MAB's fc_k bias gets a rounding-noise
           gradient (the softmax removes q . b): the test holds those to absolute bounds.
  dset.*   models.py's DeepSet (encoder, mean over the set, decoder, reshape) on the same task.
  s4d.*    H3's diagonal SSM kernel as state-spaces/s4's S4D writes it (models/s4/s4d.py): C a torch.cfloat draw kept as
           a Parameter of view_as_real (a float32 parameter in the float64 program, as written), view_as_complex in the
           forward, A = -exp(log_A_real) + 1j * A_imag, the Vandermonde kernel by complex exp and
           einsum('hn, hnl -> hl') (complex64 C promoted against complex128), .real, the FFT convolution with n = 2L,
           the skip D, GELU and the Conv1d + GLU(dim=-2) output; in a tiny LM, cross entropy, AdamW 3 steps with the
           s4 example's setup_optimizer groups (the kernel's registered tensors at lr 0.01, no weight decay).
  mix.ret.*  RetNet as written in a float64 program without .double(): RetNetRelPos' decay stays a float32 buffer, so
           the mask is built in float32 (arange(slen).to(decay), masked_fill, exp) and meets the float64 scores by
           type promotion; the first forward and backward (gradients packed in named_parameters' order).
  f32.*    the first forward and backward of Hyena (float32 FFTs), RetNet, the spline flow and SIREN (its double
           backward) with float32 the default type, as the reference code runs, from the same initial weights.
  texts19.txt  PyTorch's messages for the recipes' misuses (key, a tab, the message)
  names19.txt  the packed initial states' names and shapes (a line [prefix], then name, a tab, the shape)
PyTorch 1.13 and 2.x agree on every op used here (torch.meshgrid without indexing= warns in 2.x and means 'ij'), but
for the last bits of Adam's moments: 1.13 forms exp_avg by mul_ then add_, 2.x by lerp_, which only the float32 C of
s4d.* can show (the test holds C to float32's tolerance and what it moves to 1e-8 relative).

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs19.pt (a dict of tensors).
"""
import math
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(19)
out = {}


def f32(t):
    """A float32-representable float64 draw (saved as float32, widened by the test to the very same numbers)."""
    return t.float().double()


def round_init(module):
    with torch.no_grad():
        for v in module.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.float().double())


def save_init(prefix, module):
    round_init(module)
    for k, v in module.state_dict().items():
        out[prefix + k] = v.float().clone() if v.is_floating_point() else v.clone()


NAMES = []


def save_init_packed(prefix, module):
    """save_init for the larger models: one flattened float32 vector (prefix + "flat") of the state dict's values in its
    order, their names and shapes in names19.txt (a line [prefix], then a line name, a tab, shape for each), which the test
    splits and loads
    strictly by name (each entry of the file costs some 300 bytes of its own)."""
    round_init(module)
    flat = []
    NAMES.append("[" + prefix + "]")
    for k, v in module.state_dict().items():
        assert v.is_floating_point()
        flat.append(v.float().reshape(-1))
        NAMES.append(k + "\t" + ",".join(str(n) for n in v.shape))
    out[prefix + "flat"] = torch.cat(flat)


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module, nonzero_only=False, packed=False):
    if packed:  # the summarized models' gradients: one vector, flattened and concatenated in named_parameters' order
        out[prefix + "flat"] = torch.cat([p.grad.reshape(-1) for _, p in module.named_parameters()])
        return
    for k, p in module.named_parameters():
        if p.grad is not None and (not nonzero_only or p.grad.abs().max() > 0):
            out[prefix + k] = p.grad.clone()


def summary(t):
    """sum, sum of squares and a linspace(-1, 1)-weighted sum of the flattened values (the test computes the same)."""
    f = t.detach().reshape(-1)
    return torch.stack([f.sum(), f.pow(2).sum(), (f * torch.linspace(-1, 1, f.numel())).sum()])


def save_final(prefix, module, summarized):
    """The parameters after training: in full, or (summarized) one (N, 3) tensor of summaries in named_parameters'
    order plus the values of those of at most 16 elements, flattened and concatenated in that order (one entry: each
    entry of the file costs some 300 bytes of its own)."""
    if not summarized:
        save_params(prefix + "final.", module)
        return
    out[prefix + "finalsum"] = torch.stack([summary(p) for _, p in module.named_parameters()])
    out[prefix + "finalsmall"] = torch.cat([p.detach().reshape(-1) for _, p in module.named_parameters()
                                            if p.numel() <= 16])


def train(prefix, model, opt, steps, forward, first=None, last_grads=False, nonzero_grads=False, summarized=False):
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward(step)
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0" if summarized and not nonzero_grads else prefix + "grad0.", model,
                       nonzero_grads, packed=summarized and not nonzero_grads)
        if last_grads and step == steps - 1:
            out[prefix + "gradlastsum"] = torch.stack([summary(p.grad) for _, p in model.named_parameters()])
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_final(prefix, model, summarized)


def exists(val):
    return val is not None


def default(val, d):
    return val if exists(val) else d


# 1. Perceiver and Perceiver IO ----------------------------------------------------------------------------------------
def cache_fn(f):
    cache = None

    def cached_fn(*args, _cache=True, **kwargs):
        if not _cache:
            return f(*args, **kwargs)
        nonlocal cache
        if cache is not None:
            return cache
        cache = f(*args, **kwargs)
        return cache
    return cached_fn


def fourier_encode(x, max_freq, num_bands=4, base=2):
    x = x.unsqueeze(-1)
    device, dtype, orig_x = x.device, x.dtype, x
    scales = torch.logspace(1., math.log(max_freq / 2) / math.log(base), num_bands, base=base, device=device,
                            dtype=dtype)
    scales = scales[(*((None,) * (len(x.shape) - 1)), Ellipsis)]
    x = x * scales * math.pi
    x = torch.cat([x.sin(), x.cos()], dim=-1)
    x = torch.cat((x, orig_x), dim=-1)
    return x


class PreNorm(nn.Module):
    def __init__(self, dim, fn, context_dim=None):
        super().__init__()
        self.fn = fn
        self.norm = nn.LayerNorm(dim)
        self.norm_context = nn.LayerNorm(context_dim) if exists(context_dim) else None

    def forward(self, x, **kwargs):
        x = self.norm(x)
        if exists(self.norm_context):
            context = kwargs['context']
            kwargs.update(context=self.norm_context(context))
        return self.fn(x, **kwargs)


class PGEGLU(nn.Module):
    def forward(self, x):
        x, gates = x.chunk(2, dim=-1)
        return x * F.gelu(gates)


class PFeedForward(nn.Module):
    def __init__(self, dim, mult=4, dropout=None):
        super().__init__()
        layers = [nn.Linear(dim, dim * mult * 2), PGEGLU()]
        if dropout is not None:  # perceiver_pytorch.py has the Dropout, perceiver_io.py not
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(dim * mult, dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class PAttention(nn.Module):
    def __init__(self, query_dim, context_dim=None, heads=8, dim_head=64, out_dropout=None):
        super().__init__()
        inner_dim = dim_head * heads
        context_dim = default(context_dim, query_dim)
        self.scale = dim_head ** -0.5
        self.heads = heads
        self.to_q = nn.Linear(query_dim, inner_dim, bias=False)
        self.to_kv = nn.Linear(context_dim, inner_dim * 2, bias=False)
        # perceiver_pytorch.py: Sequential(Linear, Dropout); perceiver_io.py: the Linear
        self.to_out = nn.Linear(inner_dim, query_dim) if out_dropout is None else nn.Sequential(
            nn.Linear(inner_dim, query_dim), nn.Dropout(out_dropout))

    def forward(self, x, context=None, mask=None):
        h = self.heads
        q = self.to_q(x)
        context = default(context, x)
        k, v = self.to_kv(context).chunk(2, dim=-1)
        # rearrange(t, 'b n (h d) -> (b h) n d', h=h)
        q, k, v = map(lambda t: t.reshape(t.shape[0], t.shape[1], h, -1).permute(0, 2, 1, 3)
                      .reshape(t.shape[0] * h, t.shape[1], -1), (q, k, v))
        sim = torch.einsum('b i d, b j d -> b i j', q, k) * self.scale
        if exists(mask):
            mask = mask.reshape(mask.shape[0], -1)                                       # 'b ... -> b (...)'
            max_neg_value = -torch.finfo(sim.dtype).max
            mask = mask[:, None, None, :].expand(-1, h, 1, -1).reshape(-1, 1, mask.shape[-1])  # 'b j -> (b h) () j'
            sim.masked_fill_(~mask, max_neg_value)
        attn = sim.softmax(dim=-1)
        o = torch.einsum('b i j, b j d -> b i d', attn, v)
        o = o.reshape(-1, h, o.shape[1], o.shape[2]).permute(0, 2, 1, 3).reshape(-1, o.shape[1], h * o.shape[2])
        return self.to_out(o)


class Perceiver(nn.Module):
    def __init__(self, *, num_freq_bands, depth, max_freq, freq_base=2, input_channels=3, input_axis=2,
                 num_latents=512, latent_dim=512, cross_heads=1, latent_heads=8, cross_dim_head=64, latent_dim_head=64,
                 num_classes=1000, attn_dropout=0., ff_dropout=0., weight_tie_layers=False):
        super().__init__()
        self.input_axis = input_axis
        self.max_freq = max_freq
        self.num_freq_bands = num_freq_bands
        self.freq_base = freq_base
        input_dim = input_axis * ((num_freq_bands * 2) + 1) + input_channels
        self.latents = nn.Parameter(torch.randn(num_latents, latent_dim))
        get_cross_attn = lambda: PreNorm(latent_dim, PAttention(latent_dim, input_dim, heads=cross_heads,  # noqa
                                                                dim_head=cross_dim_head, out_dropout=attn_dropout),
                                         context_dim=input_dim)
        get_cross_ff = lambda: PreNorm(latent_dim, PFeedForward(latent_dim, dropout=ff_dropout))  # noqa
        get_latent_attn = lambda: PreNorm(latent_dim, PAttention(latent_dim, heads=latent_heads,  # noqa
                                                                 dim_head=latent_dim_head, out_dropout=attn_dropout))
        get_latent_ff = lambda: PreNorm(latent_dim, PFeedForward(latent_dim, dropout=ff_dropout))  # noqa
        get_cross_attn, get_cross_ff, get_latent_attn, get_latent_ff = map(
            cache_fn, (get_cross_attn, get_cross_ff, get_latent_attn, get_latent_ff))
        self.layers = nn.ModuleList([])
        for i in range(depth):
            should_cache = i > 0 and weight_tie_layers
            cache_args = {'_cache': should_cache}
            self.layers.append(nn.ModuleList([get_cross_attn(**cache_args), get_cross_ff(**cache_args),
                                              get_latent_attn(**cache_args), get_latent_ff(**cache_args)]))
        self.to_logits = nn.Sequential(nn.LayerNorm(latent_dim), nn.Linear(latent_dim, num_classes))

    def encode_positions(self, b, axis):
        axis_pos = list(map(lambda size: torch.linspace(-1., 1., steps=size), axis))
        pos = torch.stack(torch.meshgrid(*axis_pos), dim=-1)
        enc_pos = fourier_encode(pos, self.max_freq, self.num_freq_bands, base=self.freq_base)
        enc_pos = enc_pos.reshape(*enc_pos.shape[:-2], -1)            # '... n d -> ... (n d)'
        return enc_pos.unsqueeze(0).expand(b, *enc_pos.shape)         # '... -> b ...'

    def forward(self, data, mask=None):
        b, *axis, _ = data.shape
        assert len(axis) == self.input_axis
        enc_pos = self.encode_positions(b, axis)
        data = torch.cat((data, enc_pos), dim=-1)
        data = data.reshape(b, -1, data.shape[-1])                     # 'b ... d -> b (...) d'
        x = self.latents.unsqueeze(0).expand(b, -1, -1)              # repeat 'n d -> b n d'
        for cross_attn, cross_ff, latent_attn, latent_ff in self.layers:
            x = cross_attn(x, context=data, mask=mask) + x
            x = cross_ff(x) + x
            x = latent_attn(x) + x
            x = latent_ff(x) + x
        x = x.mean(dim=-2)
        return self.to_logits(x)


perc = Perceiver(num_freq_bands=2, depth=3, max_freq=6., input_channels=2, input_axis=2, num_latents=3, latent_dim=4,
                 cross_heads=1, latent_heads=2, cross_dim_head=4, latent_dim_head=2, num_classes=3,
                 weight_tie_layers=True)
assert perc.layers[2][0] is perc.layers[1][0] and perc.layers[1][0] is not perc.layers[0][0]
save_init_packed("perc.init", perc)  # the state dict: layers.1.* repeat layers.0.*
out["perc.nparams"] = torch.tensor(len(list(perc.named_parameters())))
perc_x = f32(torch.randn(3, 2, 3, 4, 2))
perc_y = torch.randint(0, 3, (3, 2))
out["perc.x"], out["perc.y"] = perc_x.float(), perc_y
out["perc.fourier"] = fourier_encode(torch.linspace(-1., 1., 5), 6., 3)
out["perc.fourier3"] = fourier_encode(torch.linspace(-1., 1., 4), 10., 4, base=3)
out["perc.encpos"] = perc.encode_positions(2, [3, 4])


def perc_forward(step):
    o = perc(perc_x[step])
    return o, F.cross_entropy(o, perc_y[step])


train("perc.", perc, torch.optim.Adam(perc.parameters(), lr=0.02), 3, perc_forward, summarized=True,
      first=lambda o: out.__setitem__("perc.out0", o.detach().clone()))


class PerceiverIO(nn.Module):
    def __init__(self, *, depth, dim, queries_dim, logits_dim=None, num_latents=512, latent_dim=512, cross_heads=1,
                 latent_heads=8, cross_dim_head=64, latent_dim_head=64, weight_tie_layers=False, self_per_cross_attn=1):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(num_latents, latent_dim))
        get_cross_attn = lambda: PreNorm(latent_dim, PAttention(latent_dim, dim, heads=cross_heads,  # noqa
                                                                dim_head=cross_dim_head), context_dim=dim)
        get_cross_ff = lambda: PreNorm(latent_dim, PFeedForward(latent_dim))  # noqa
        get_latent_attn = lambda: PreNorm(latent_dim, PAttention(latent_dim, heads=latent_heads,  # noqa
                                                                 dim_head=latent_dim_head))
        get_latent_ff = lambda: PreNorm(latent_dim, PFeedForward(latent_dim))  # noqa
        get_cross_attn, get_cross_ff, get_latent_attn, get_latent_ff = map(
            cache_fn, (get_cross_attn, get_cross_ff, get_latent_attn, get_latent_ff))
        self.layers = nn.ModuleList([])
        for i in range(depth):
            should_cache = i > 0 and weight_tie_layers
            cache_args = {'_cache': should_cache}
            self_attns = nn.ModuleList([])
            for _ in range(self_per_cross_attn):
                self_attns.append(nn.ModuleList([get_latent_attn(**cache_args), get_latent_ff(**cache_args)]))
            self.layers.append(nn.ModuleList([get_cross_attn(**cache_args), get_cross_ff(**cache_args), self_attns]))
        self.decoder_cross_attn = PreNorm(queries_dim, PAttention(queries_dim, latent_dim, heads=cross_heads,
                                                                  dim_head=cross_dim_head), context_dim=latent_dim)
        self.to_logits = nn.Linear(queries_dim, logits_dim) if exists(logits_dim) else nn.Identity()

    def forward(self, data, mask=None, queries=None):
        b = data.shape[0]
        x = self.latents.unsqueeze(0).expand(b, -1, -1)
        for cross_attn, cross_ff, self_attns in self.layers:
            x = cross_attn(x, context=data, mask=mask) + x
            x = cross_ff(x) + x
            for self_attn, self_ff in self_attns:
                x = self_attn(x) + x
                x = self_ff(x) + x
        if not exists(queries):
            return x
        latents = self.decoder_cross_attn(queries, context=x)
        return self.to_logits(latents)


class PerceiverLM(nn.Module):
    def __init__(self, *, dim, num_tokens, max_seq_len, **kwargs):
        super().__init__()
        self.token_emb = nn.Embedding(num_tokens, dim)
        self.pos_emb = nn.Embedding(max_seq_len, dim)
        self.perceiver_io = PerceiverIO(dim=dim, queries_dim=dim, logits_dim=num_tokens, **kwargs)

    def forward(self, x, mask=None):
        n = x.shape[1]
        x = self.token_emb(x)
        pos_emb = self.pos_emb(torch.arange(n))
        x = x + pos_emb.unsqueeze(0)                                  # rearrange 'n d -> () n d'
        return self.perceiver_io(x, mask=mask, queries=x)


pio = PerceiverLM(dim=4, num_tokens=7, max_seq_len=6, depth=1, num_latents=2, latent_dim=4, cross_heads=1,
                  latent_heads=2, cross_dim_head=4, latent_dim_head=2, self_per_cross_attn=2)
save_init_packed("pio.init", pio)
pio_idx = torch.randint(0, 7, (3, 2, 6))
pio_mask = torch.tensor([[[True] * 6, [True] * 4 + [False] * 2], [[True] * 5 + [False], [True] * 6],
                         [[True] * 3 + [False] * 3, [True] * 6]])
out["pio.idx"], out["pio.mask"] = pio_idx, pio_mask


def pio_forward(step):
    logits = pio(pio_idx[step], mask=pio_mask[step])
    return logits, F.cross_entropy(logits[:, :-1].reshape(-1, 7), pio_idx[step][:, 1:].reshape(-1))


train("pio.", pio, torch.optim.Adam(pio.parameters(), lr=0.02), 3, pio_forward, summarized=True,
      first=lambda o: out.__setitem__("pio.out0", o.detach().clone()))
with torch.no_grad():  # a sample masked whole: every logit -finfo.max, so the softmax is uniform over the tokens
    out["pio.allmasked"] = pio(pio_idx[0], mask=torch.tensor([[False] * 6, [True] * 6]))


# 2. Stable-diffusion blocks (CompVis latent-diffusion) ----------------------------------------------------------------
GROUPS = 2  # normalization() has 32 groups: the scaled-down channels take 2


def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()
    return module


def normalization(channels):
    return nn.GroupNorm(GROUPS, channels)  # GroupNorm32's float32 round trip left out (see the docstring)


def Normalize(in_channels):
    return nn.GroupNorm(num_groups=GROUPS, num_channels=in_channels, eps=1e-6, affine=True)


def timestep_embedding(timesteps, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float64) / half)
    args = timesteps[:, None].double() * freqs[None]
    embedding = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        embedding = torch.cat([embedding, torch.zeros_like(embedding[:, :1])], dim=-1)
    return embedding


class TimestepBlock(nn.Module):
    pass


class TimestepEmbedSequential(nn.Sequential, TimestepBlock):
    def forward(self, x, emb, context=None):
        for layer in self:
            if isinstance(layer, TimestepBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class Upsample(nn.Module):
    def __init__(self, channels, use_conv, out_channels=None, padding=1):
        super().__init__()
        self.channels = channels
        self.out_channels = out_channels or channels
        self.use_conv = use_conv
        if use_conv:
            self.conv = nn.Conv2d(self.channels, self.out_channels, 3, padding=padding)

    def forward(self, x):
        assert x.shape[1] == self.channels
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        if self.use_conv:
            x = self.conv(x)
        return x


class Downsample(nn.Module):
    def __init__(self, channels, use_conv, out_channels=None, padding=1):
        super().__init__()
        self.channels = channels
        self.out_channels = out_channels or channels
        self.op = nn.Conv2d(self.channels, self.out_channels, 3, stride=2, padding=padding)

    def forward(self, x):
        assert x.shape[1] == self.channels
        return self.op(x)


class ResBlock(TimestepBlock):
    def __init__(self, channels, emb_channels, dropout, out_channels=None, use_conv=False,
                 use_scale_shift_norm=False):
        super().__init__()
        self.channels = channels
        self.out_channels = out_channels or channels
        self.use_scale_shift_norm = use_scale_shift_norm
        self.in_layers = nn.Sequential(normalization(channels), nn.SiLU(),
                                       nn.Conv2d(channels, self.out_channels, 3, padding=1))
        self.h_upd = self.x_upd = nn.Identity()
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(
            emb_channels, 2 * self.out_channels if use_scale_shift_norm else self.out_channels))
        self.out_layers = nn.Sequential(normalization(self.out_channels), nn.SiLU(), nn.Dropout(p=dropout),
                                        zero_module(nn.Conv2d(self.out_channels, self.out_channels, 3, padding=1)))
        if self.out_channels == channels:
            self.skip_connection = nn.Identity()
        elif use_conv:
            self.skip_connection = nn.Conv2d(channels, self.out_channels, 3, padding=1)
        else:
            self.skip_connection = nn.Conv2d(channels, self.out_channels, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        emb_out = self.emb_layers(emb).type(h.dtype)
        while len(emb_out.shape) < len(h.shape):
            emb_out = emb_out[..., None]
        if self.use_scale_shift_norm:
            out_norm, out_rest = self.out_layers[0], self.out_layers[1:]
            scale, shift = torch.chunk(emb_out, 2, dim=1)
            h = out_norm(h) * (1 + scale) + shift
            h = out_rest(h)
        else:
            h = h + emb_out
            h = self.out_layers(h)
        return self.skip_connection(x) + h


class GEGLU(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        x, gate = self.proj(x).chunk(2, dim=-1)
        return x * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, dim_out=None, mult=4, glu=False, dropout=0.):
        super().__init__()
        inner_dim = int(dim * mult)
        dim_out = default(dim_out, dim)
        project_in = nn.Sequential(nn.Linear(dim, inner_dim), nn.GELU()) if not glu else GEGLU(dim, inner_dim)
        self.net = nn.Sequential(project_in, nn.Dropout(dropout), nn.Linear(inner_dim, dim_out))

    def forward(self, x):
        return self.net(x)


class CrossAttention(nn.Module):
    def __init__(self, query_dim, context_dim=None, heads=8, dim_head=64, dropout=0.):
        super().__init__()
        inner_dim = dim_head * heads
        context_dim = default(context_dim, query_dim)
        self.scale = dim_head ** -0.5
        self.heads = heads
        self.to_q = nn.Linear(query_dim, inner_dim, bias=False)
        self.to_k = nn.Linear(context_dim, inner_dim, bias=False)
        self.to_v = nn.Linear(context_dim, inner_dim, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner_dim, query_dim), nn.Dropout(dropout))

    def forward(self, x, context=None):
        h = self.heads
        q = self.to_q(x)
        context = default(context, x)
        k = self.to_k(context)
        v = self.to_v(context)
        q, k, v = map(lambda t: t.reshape(t.shape[0], t.shape[1], h, -1).permute(0, 2, 1, 3)
                      .reshape(t.shape[0] * h, t.shape[1], -1), (q, k, v))
        sim = torch.einsum('b i d, b j d -> b i j', q, k) * self.scale
        attn = sim.softmax(dim=-1)
        o = torch.einsum('b i j, b j d -> b i d', attn, v)
        o = o.reshape(-1, h, o.shape[1], o.shape[2]).permute(0, 2, 1, 3).reshape(-1, o.shape[1], h * o.shape[2])
        return self.to_out(o)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, n_heads, d_head, dropout=0., context_dim=None, gated_ff=True):
        super().__init__()
        self.attn1 = CrossAttention(query_dim=dim, heads=n_heads, dim_head=d_head, dropout=dropout)
        self.ff = FeedForward(dim, dropout=dropout, glu=gated_ff)
        self.attn2 = CrossAttention(query_dim=dim, context_dim=context_dim, heads=n_heads, dim_head=d_head,
                                    dropout=dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x, context=None):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context=context) + x
        x = self.ff(self.norm3(x)) + x
        return x


class SpatialTransformer(nn.Module):
    def __init__(self, in_channels, n_heads, d_head, depth=1, dropout=0., context_dim=None):
        super().__init__()
        self.in_channels = in_channels
        inner_dim = n_heads * d_head
        self.norm = Normalize(in_channels)
        self.proj_in = nn.Conv2d(in_channels, inner_dim, kernel_size=1, stride=1, padding=0)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(inner_dim, n_heads, d_head, dropout=dropout,
                                                                       context_dim=context_dim) for _ in range(depth)])
        self.proj_out = zero_module(nn.Conv2d(inner_dim, in_channels, kernel_size=1, stride=1, padding=0))

    def forward(self, x, context=None):
        b, c, h, w = x.shape
        x_in = x
        x = self.norm(x)
        x = self.proj_in(x)
        x = x.permute(0, 2, 3, 1).reshape(b, h * w, -1)            # 'b c h w -> b (h w) c'
        for block in self.transformer_blocks:
            x = block(x, context=context)
        x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2)             # 'b (h w) c -> b c h w'
        x = self.proj_out(x)
        return x + x_in


class MiniUNet(nn.Module):
    """UNetModel with one resolution step, num_res_blocks=1, attention at both resolutions, context_dim 5."""

    def __init__(self, in_channels=2, model_channels=4, out_channels=2, num_heads=2, context_dim=5):
        super().__init__()
        mc = model_channels
        self.model_channels = mc
        time_embed_dim = mc * 4
        d_head = mc // num_heads
        self.time_embed = nn.Sequential(nn.Linear(mc, time_embed_dim), nn.SiLU(),
                                        nn.Linear(time_embed_dim, time_embed_dim))
        self.input_blocks = nn.ModuleList([
            TimestepEmbedSequential(nn.Conv2d(in_channels, mc, 3, padding=1)),
            TimestepEmbedSequential(ResBlock(mc, time_embed_dim, 0.0, out_channels=mc),
                                    SpatialTransformer(mc, num_heads, d_head, context_dim=context_dim)),
            TimestepEmbedSequential(Downsample(mc, True, out_channels=mc))])
        self.middle_block = TimestepEmbedSequential(
            ResBlock(mc, time_embed_dim, 0.0, use_scale_shift_norm=True),
            SpatialTransformer(mc, num_heads, d_head, context_dim=context_dim),
            ResBlock(mc, time_embed_dim, 0.0))
        self.output_blocks = nn.ModuleList([
            TimestepEmbedSequential(ResBlock(2 * mc, time_embed_dim, 0.0, out_channels=mc), Upsample(mc, True)),
            TimestepEmbedSequential(ResBlock(2 * mc, time_embed_dim, 0.0, out_channels=mc),
                                    SpatialTransformer(mc, num_heads, d_head, context_dim=context_dim)),
            TimestepEmbedSequential(ResBlock(2 * mc, time_embed_dim, 0.0, out_channels=mc, use_conv=True))])
        self.out = nn.Sequential(normalization(mc), nn.SiLU(), zero_module(nn.Conv2d(mc, out_channels, 3, padding=1)))

    def forward(self, x, timesteps=None, context=None):
        hs = []
        t_emb = timestep_embedding(timesteps, self.model_channels)
        emb = self.time_embed(t_emb)
        h = x
        for module in self.input_blocks:
            h = module(h, emb, context)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        for module in self.output_blocks:
            h = torch.cat([h, hs.pop()], dim=1)
            h = module(h, emb, context)
        return self.out(h)


sd = MiniUNet()
save_init_packed("sd.init", sd)
sd_x = f32(torch.randn(3, 2, 2, 4, 4))
sd_t = torch.randint(0, 1000, (3, 2))
sd_c = f32(torch.randn(3, 2, 3, 5))
sd_noise = f32(torch.randn(3, 2, 2, 4, 4))
out["sd.x"], out["sd.t"], out["sd.c"], out["sd.noise"] = sd_x.float(), sd_t, sd_c.float(), sd_noise.float()
out["sd.up"] = F.interpolate(sd_x[0][:, :, :3], scale_factor=2, mode="nearest")


def sd_forward(step):
    o = sd(sd_x[step], sd_t[step], sd_c[step])
    return o, F.mse_loss(o, sd_noise[step])


train("sd.", sd, torch.optim.Adam(sd.parameters(), lr=0.02), 3, sd_forward, last_grads=True, nonzero_grads=True,
      summarized=True,
      first=lambda o: out.__setitem__("sd.out0", o.detach().clone()))
sd.eval()
with torch.no_grad():
    # DDIMSampler.p_sample_ddim's classifier-free guidance
    x, t, c = sd_x[1], sd_t[1], sd_c[1]
    unconditional_conditioning = torch.zeros_like(c)
    x_in = torch.cat([x] * 2)
    t_in = torch.cat([t] * 2)
    c_in = torch.cat([unconditional_conditioning, c])
    e_t_uncond, e_t = sd(x_in, t_in, c_in).chunk(2)
    out["sd.cfg"] = e_t_uncond + 7.5 * (e_t - e_t_uncond)
    out["sd.st"] = sd.input_blocks[1][1](sd_x[2][:, :1].expand(-1, 4, -1, -1) * 1.5, sd_c[2])


# 3. Hyena -------------------------------------------------------------------------------------------------------------
def fftconv(u, k, D):
    seqlen = u.shape[-1]
    fft_size = 2 * seqlen
    k_f = torch.fft.rfft(k, n=fft_size) / fft_size
    u_f = torch.fft.rfft(u.to(dtype=k.dtype), n=fft_size)
    if len(u.shape) > 3:
        k_f = k_f.unsqueeze(1)
    y = torch.fft.irfft(u_f * k_f, n=fft_size, norm="forward")[..., :seqlen]
    out_ = y + u * D.unsqueeze(-1)
    return out_.to(dtype=u.dtype)


class OptimModule(nn.Module):
    def register(self, name, tensor, lr=None, wd=0.0):
        if lr == 0.0:
            self.register_buffer(name, tensor)
        else:
            self.register_parameter(name, nn.Parameter(tensor))
            optim = {}
            if lr is not None:
                optim["lr"] = lr
            if wd is not None:
                optim["weight_decay"] = wd
            setattr(getattr(self, name), "_optim", optim)


class Sin(nn.Module):
    def __init__(self, dim, w=10, train_freq=True):
        super().__init__()
        self.freq = nn.Parameter(w * torch.ones(1, dim)) if train_freq else w * torch.ones(1, dim)

    def forward(self, x):
        return torch.sin(self.freq * x)


class PositionalEmbedding(OptimModule):
    def __init__(self, emb_dim, seq_len, lr_pos_emb=1e-5):
        super().__init__()
        self.seq_len = seq_len
        t = torch.linspace(0, 1, self.seq_len)[None, :, None]
        if emb_dim > 1:
            bands = (emb_dim - 1) // 2
        t_rescaled = torch.linspace(0, seq_len - 1, seq_len)[None, :, None]
        w = 2 * math.pi * t_rescaled / seq_len
        f = torch.linspace(1e-4, bands - 1, bands)[None, None]
        z = torch.exp(-1j * f * w)
        z = torch.cat([t, z.real, z.imag], dim=-1)
        self.register("z", z, lr=lr_pos_emb)
        self.register("t", t, lr=0.0)

    def forward(self, L):
        return self.z[:, :L], self.t[:, :L]


class ExponentialModulation(OptimModule):
    def __init__(self, d_model, fast_decay_pct=0.3, slow_decay_pct=1.5, target=1e-2, modulation_lr=0.0,
                 modulate=True, shift=0.0, **kwargs):
        super().__init__()
        self.modulate = modulate
        self.shift = shift
        max_decay = math.log(target) / fast_decay_pct
        min_decay = math.log(target) / slow_decay_pct
        deltas = torch.linspace(min_decay, max_decay, d_model)[None, None]
        self.register("deltas", deltas, lr=modulation_lr)

    def forward(self, t, x):
        if self.modulate:
            decay = torch.exp(-t * self.deltas.abs())
            x = x * (decay + self.shift)
        return x


class HyenaFilter(OptimModule):
    def __init__(self, d_model, emb_dim=3, order=16, seq_len=1024, lr=1e-3, lr_pos_emb=1e-5, dropout=0.0, w=1, wd=0,
                 bias=True, num_inner_mlps=2, normalized=False, **kwargs):
        super().__init__()
        self.d_model = d_model
        self.use_bias = bias
        self.bias = nn.Parameter(torch.randn(self.d_model))
        self.dropout = nn.Dropout(dropout)
        act = Sin(dim=order, w=w)
        self.emb_dim = emb_dim
        assert emb_dim % 2 != 0 and emb_dim >= 3
        self.seq_len = seq_len
        self.pos_emb = PositionalEmbedding(emb_dim, seq_len, lr_pos_emb)
        self.implicit_filter = nn.Sequential(nn.Linear(emb_dim, order), act)
        for i in range(num_inner_mlps):
            self.implicit_filter.append(nn.Linear(order, order))
            self.implicit_filter.append(act)
        self.implicit_filter.append(nn.Linear(order, d_model, bias=False))
        self.modulation = ExponentialModulation(d_model, **kwargs)
        self.normalized = normalized
        for c in self.implicit_filter.children():
            for name, v in c.state_dict().items():
                setattr(getattr(c, name), "_optim", {"weight_decay": wd, "lr": lr})

    def filter(self, L):
        z, t = self.pos_emb(L)
        h = self.implicit_filter(z)
        h = self.modulation(t, h)
        return h

    def forward(self, x, L, k=None, bias=None):
        if k is None:
            k = self.filter(L)
        k = k[0] if type(k) is tuple else k
        return fftconv(x, k, bias)


class HyenaOperator(nn.Module):
    def __init__(self, d_model, l_max, order=2, filter_order=64, dropout=0.0, filter_dropout=0.0, **filter_args):
        super().__init__()
        self.d_model = d_model
        self.l_max = l_max
        self.order = order
        inner_width = d_model * (order + 1)
        self.dropout = nn.Dropout(dropout)
        self.in_proj = nn.Linear(d_model, inner_width)
        self.out_proj = nn.Linear(d_model, d_model)
        self.short_filter = nn.Conv1d(inner_width, inner_width, 3, padding=2, groups=inner_width)
        self.filter_fn = HyenaFilter(d_model * (order - 1), order=filter_order, seq_len=l_max, channels=1,
                                     dropout=filter_dropout, **filter_args)

    def forward(self, u):
        l = u.size(-2)
        l_filter = min(l, self.l_max)
        u = self.in_proj(u)
        u = u.transpose(1, 2)                                         # 'b l d -> b d l'
        uc = self.short_filter(u)[..., :l_filter]
        *x, v = uc.split(self.d_model, dim=1)
        k = self.filter_fn.filter(l_filter)[0]
        k = k.reshape(l_filter, self.order - 1, self.d_model).permute(1, 2, 0)   # 'l (o d) -> o d l'
        bias = self.filter_fn.bias.reshape(self.order - 1, self.d_model)          # '(o d) -> o d'
        for o, x_i in enumerate(reversed(x[1:])):
            v = self.dropout(v * x_i)
            v = self.filter_fn(v, l_filter, k=k[o], bias=bias[o])
        y = (v * x[0]).transpose(1, 2)                                # 'b d l -> b l d'
        return self.out_proj(y)


class HyenaLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(9, 4)
        self.ln1 = nn.LayerNorm(4)
        self.mixer = HyenaOperator(4, 8, order=3, filter_order=6, emb_dim=5, lr=0.01, lr_pos_emb=0.005)
        self.ln_f = nn.LayerNorm(4)
        self.head = nn.Linear(4, 9)

    def forward(self, idx):
        x = self.emb(idx)
        x = x + self.mixer(self.ln1(x))
        return self.head(self.ln_f(x))


hy = HyenaLM()
save_init("hy.init.", hy)
hy_idx = torch.randint(0, 9, (3, 2, 9))
out["hy.idx"] = hy_idx
hy_u = f32(torch.randn(2, 4, 8))
hy_k = f32(torch.randn(4, 8))
hy_D = f32(torch.randn(4))
out["hy.u"], out["hy.k"], out["hy.D"] = hy_u.float(), hy_k.float(), hy_D.float()
out["hy.fftconv"] = fftconv(hy_u, hy_k, hy_D)
direct = torch.stack([sum(hy_u[..., j] * hy_k[:, i - j] for j in range(i + 1)) for i in range(8)], -1) \
    + hy_u * hy_D.unsqueeze(-1)
assert (direct - out["hy.fftconv"]).abs().max() < 1e-12
out["hy.filter"] = hy.mixer.filter_fn.filter(8).detach().clone()
filt = set(id(p) for p in hy.mixer.filter_fn.implicit_filter.parameters())
groups = [{"params": [p for p in hy.parameters() if id(p) in filt], "lr": 0.01, "weight_decay": 0.0},
          {"params": [hy.mixer.filter_fn.pos_emb.z], "lr": 0.005, "weight_decay": 0.0},
          {"params": [p for p in hy.parameters() if id(p) not in filt and p is not hy.mixer.filter_fn.pos_emb.z]}]
for g in groups[:2]:
    for p in g["params"]:
        assert p._optim["lr"] == g["lr"] and p._optim["weight_decay"] == 0.0


def hy_forward(step):
    seq = hy_idx[step]
    logits = hy(seq[:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 9), seq[:, 1:].reshape(-1))


train("hy.", hy, torch.optim.AdamW(groups, lr=0.02, weight_decay=0.01), 3, hy_forward,
      first=lambda o: out.__setitem__("hy.logits0", o.detach().clone()))


# 4. RetNet retention (microsoft/torchscale) ---------------------------------------------------------------------------
def rotate_every_two(x):
    x1 = x[:, :, :, ::2]
    x2 = x[:, :, :, 1::2]
    x = torch.stack((-x2, x1), dim=-1)
    return x.flatten(-2)


def theta_shift(x, sin, cos):
    return (x * cos) + (rotate_every_two(x) * sin)


class RetNetRelPos(nn.Module):
    def __init__(self, embed_dim, heads):
        super().__init__()
        angle = 1.0 / (10000 ** torch.linspace(0, 1, embed_dim // heads // 2))
        angle = angle.unsqueeze(-1).repeat(1, 2).flatten()
        decay = torch.log(1 - 2 ** (-5 - torch.arange(heads, dtype=torch.float)))
        self.register_buffer("angle", angle)
        self.register_buffer("decay", decay)

    def forward(self, slen, activate_recurrent=False):
        if activate_recurrent:
            sin = torch.sin(self.angle * (slen - 1))
            cos = torch.cos(self.angle * (slen - 1))
            retention_rel_pos = ((sin, cos), self.decay.exp())
        else:
            index = torch.arange(slen).to(self.decay)
            sin = torch.sin(index[:, None] * self.angle[None, :])
            cos = torch.cos(index[:, None] * self.angle[None, :])
            mask = torch.tril(torch.ones(slen, slen).to(self.decay))
            mask = torch.masked_fill(index[:, None] - index[None, :], ~mask.bool(), float("inf"))
            mask = torch.exp(mask * self.decay[:, None, None])
            mask = torch.nan_to_num(mask)
            mask = mask / mask.sum(dim=-1, keepdim=True).sqrt()
            retention_rel_pos = ((sin, cos), mask)
        return retention_rel_pos


class MultiScaleRetention(nn.Module):
    def __init__(self, embed_dim, value_dim, num_heads, eps=1e-6):
        super().__init__()
        self.embed_dim = embed_dim
        self.value_dim = value_dim
        self.num_heads = num_heads
        self.head_dim = self.value_dim // num_heads
        self.key_dim = self.embed_dim // num_heads
        self.scaling = self.key_dim ** -0.5
        self.gate_fn = F.silu
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.v_proj = nn.Linear(embed_dim, value_dim, bias=False)
        self.g_proj = nn.Linear(embed_dim, value_dim, bias=False)
        self.out_proj = nn.Linear(value_dim, embed_dim, bias=False)
        self.group_norm = nn.LayerNorm(self.head_dim, eps=eps, elementwise_affine=False)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.xavier_uniform_(self.q_proj.weight, gain=2 ** -2.5)
        nn.init.xavier_uniform_(self.k_proj.weight, gain=2 ** -2.5)
        nn.init.xavier_uniform_(self.v_proj.weight, gain=2 ** -2.5)
        nn.init.xavier_uniform_(self.g_proj.weight, gain=2 ** -2.5)
        nn.init.xavier_uniform_(self.out_proj.weight, gain=2 ** -1)

    def parallel_forward(self, qr, kr, v, mask):
        bsz, tgt_len, embed_dim = v.size()
        vr = v.view(bsz, tgt_len, self.num_heads, self.head_dim).transpose(1, 2)
        qk_mat = qr @ kr.transpose(-1, -2)
        qk_mat = qk_mat * mask
        qk_mat = qk_mat / qk_mat.detach().abs().sum(dim=-1, keepdim=True).clamp(min=1, max=5e4)
        output = torch.matmul(qk_mat, vr)
        return output.transpose(1, 2)

    def recurrent_forward(self, qr, kr, v, decay, incremental_state):
        bsz = v.size(0)
        v = v.view(bsz, self.num_heads, self.head_dim, 1)
        kv = kr * v
        if "prev_key_value" in incremental_state:
            prev_kv = incremental_state["prev_key_value"]
            prev_scale = incremental_state["scale"]
            scale = prev_scale * decay + 1
            kv = prev_kv * (prev_scale.sqrt() * decay / scale.sqrt()).view(self.num_heads, 1, 1) \
                + kv / scale.sqrt().view(self.num_heads, 1, 1)
        else:
            scale = torch.ones_like(decay)
        incremental_state["prev_key_value"] = kv
        incremental_state["scale"] = scale
        return torch.sum(qr * kv, dim=3)

    def forward(self, x, rel_pos, incremental_state=None):
        bsz, tgt_len, _ = x.size()
        (sin, cos), inner_mask = rel_pos
        q = self.q_proj(x)
        k = self.k_proj(x)
        v = self.v_proj(x)
        g = self.g_proj(x)
        k *= self.scaling
        q = q.view(bsz, tgt_len, self.num_heads, self.key_dim).transpose(1, 2)
        k = k.view(bsz, tgt_len, self.num_heads, self.key_dim).transpose(1, 2)
        qr = theta_shift(q, sin, cos)
        kr = theta_shift(k, sin, cos)
        if incremental_state is not None:
            output = self.recurrent_forward(qr, kr, v, inner_mask, incremental_state)
        else:
            output = self.parallel_forward(qr, kr, v, inner_mask)
        output = self.group_norm(output).reshape(bsz, tgt_len, self.head_dim * self.num_heads)
        output = self.gate_fn(g) * output
        return self.out_proj(output)


class RetNetLM(nn.Module):
    def __init__(self, vocab=10, dim=8, heads=2):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.retnet_rel_pos = RetNetRelPos(dim, heads)
        self.retention_layer_norm = nn.LayerNorm(dim)
        self.retention = MultiScaleRetention(dim, 2 * dim, heads)
        self.final_layer_norm = nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.layer_norm = nn.LayerNorm(dim)
        self.output_projection = nn.Linear(dim, vocab, bias=False)

    def block(self, x, rel_pos, incremental_state=None):
        x = x + self.retention(self.retention_layer_norm(x), rel_pos, incremental_state)
        return x + self.ffn(self.final_layer_norm(x))

    def forward(self, tokens):
        x = self.embed_tokens(tokens)
        x = self.block(x, self.retnet_rel_pos(tokens.size(1)))
        return self.output_projection(self.layer_norm(x))

    def recurrent(self, tokens):
        state = {}
        outs = []
        for i in range(tokens.size(1)):
            x = self.embed_tokens(tokens[:, i:i + 1])
            x = self.block(x, self.retnet_rel_pos(i + 1, activate_recurrent=True), state)
            outs.append(self.output_projection(self.layer_norm(x)))
        return torch.cat(outs, dim=1)


ret = RetNetLM()
assert ret.retnet_rel_pos.decay.dtype == torch.float32
ret.double()
save_init("ret.init.", ret)
ret_idx = torch.randint(0, 10, (3, 2, 7))
out["ret.idx"] = ret_idx
rp = ret.retnet_rel_pos(5)
out["ret.sin"], out["ret.cos"], out["ret.mask"] = rp[0][0], rp[0][1], rp[1]
out["ret.rot"] = rotate_every_two(torch.arange(24.).reshape(1, 2, 3, 4))


def ret_forward(step):
    seq = ret_idx[step]
    logits = ret(seq[:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 10), seq[:, 1:].reshape(-1))


train("ret.", ret, torch.optim.Adam(ret.parameters(), lr=0.02), 3, ret_forward,
      first=lambda o: out.__setitem__("ret.logits0", o.detach().clone()))
with torch.no_grad():
    out["ret.parallel"] = ret(ret_idx[0])
    out["ret.recurrent"] = ret.recurrent(ret_idx[0])
    assert (out["ret.parallel"] - out["ret.recurrent"]).abs().max() < 1e-4


# 5. Neural spline flow (nflows) ---------------------------------------------------------------------------------------
DEFAULT_MIN_BIN_WIDTH = 1e-3
DEFAULT_MIN_BIN_HEIGHT = 1e-3
DEFAULT_MIN_DERIVATIVE = 1e-3


def searchsorted(bin_locations, inputs, eps=1e-6):
    bin_locations[..., -1] += eps
    return torch.sum(inputs[..., None] >= bin_locations, dim=-1) - 1


def unconstrained_rational_quadratic_spline(inputs, unnormalized_widths, unnormalized_heights,
                                            unnormalized_derivatives, inverse=False, tails="linear", tail_bound=1.0,
                                            min_bin_width=DEFAULT_MIN_BIN_WIDTH,
                                            min_bin_height=DEFAULT_MIN_BIN_HEIGHT,
                                            min_derivative=DEFAULT_MIN_DERIVATIVE):
    inside_interval_mask = (inputs >= -tail_bound) & (inputs <= tail_bound)
    outside_interval_mask = ~inside_interval_mask
    outputs = torch.zeros_like(inputs)
    logabsdet = torch.zeros_like(inputs)
    if tails == "linear":
        unnormalized_derivatives = F.pad(unnormalized_derivatives, pad=(1, 1))
        constant = np.log(np.exp(1 - min_derivative) - 1)
        unnormalized_derivatives[..., 0] = constant
        unnormalized_derivatives[..., -1] = constant
        outputs[outside_interval_mask] = inputs[outside_interval_mask]
        logabsdet[outside_interval_mask] = 0
    else:
        raise RuntimeError("{} tails are not implemented.".format(tails))
    if torch.any(inside_interval_mask):
        (outputs[inside_interval_mask], logabsdet[inside_interval_mask]) = rational_quadratic_spline(
            inputs=inputs[inside_interval_mask],
            unnormalized_widths=unnormalized_widths[inside_interval_mask, :],
            unnormalized_heights=unnormalized_heights[inside_interval_mask, :],
            unnormalized_derivatives=unnormalized_derivatives[inside_interval_mask, :],
            inverse=inverse, left=-tail_bound, right=tail_bound, bottom=-tail_bound, top=tail_bound,
            min_bin_width=min_bin_width, min_bin_height=min_bin_height, min_derivative=min_derivative)
    return outputs, logabsdet


def rational_quadratic_spline(inputs, unnormalized_widths, unnormalized_heights, unnormalized_derivatives,
                              inverse=False, left=0.0, right=1.0, bottom=0.0, top=1.0,
                              min_bin_width=DEFAULT_MIN_BIN_WIDTH, min_bin_height=DEFAULT_MIN_BIN_HEIGHT,
                              min_derivative=DEFAULT_MIN_DERIVATIVE):
    if torch.min(inputs) < left or torch.max(inputs) > right:
        raise ValueError("InputOutsideDomain")
    num_bins = unnormalized_widths.shape[-1]
    widths = F.softmax(unnormalized_widths, dim=-1)
    widths = min_bin_width + (1 - min_bin_width * num_bins) * widths
    cumwidths = torch.cumsum(widths, dim=-1)
    cumwidths = F.pad(cumwidths, pad=(1, 0), mode="constant", value=0.0)
    cumwidths = (right - left) * cumwidths + left
    cumwidths[..., 0] = left
    cumwidths[..., -1] = right
    widths = cumwidths[..., 1:] - cumwidths[..., :-1]
    derivatives = min_derivative + F.softplus(unnormalized_derivatives)
    heights = F.softmax(unnormalized_heights, dim=-1)
    heights = min_bin_height + (1 - min_bin_height * num_bins) * heights
    cumheights = torch.cumsum(heights, dim=-1)
    cumheights = F.pad(cumheights, pad=(1, 0), mode="constant", value=0.0)
    cumheights = (top - bottom) * cumheights + bottom
    cumheights[..., 0] = bottom
    cumheights[..., -1] = top
    heights = cumheights[..., 1:] - cumheights[..., :-1]
    if inverse:
        bin_idx = searchsorted(cumheights, inputs)[..., None]
    else:
        bin_idx = searchsorted(cumwidths, inputs)[..., None]
    input_cumwidths = cumwidths.gather(-1, bin_idx)[..., 0]
    input_bin_widths = widths.gather(-1, bin_idx)[..., 0]
    input_cumheights = cumheights.gather(-1, bin_idx)[..., 0]
    delta = heights / widths
    input_delta = delta.gather(-1, bin_idx)[..., 0]
    input_derivatives = derivatives.gather(-1, bin_idx)[..., 0]
    input_derivatives_plus_one = derivatives[..., 1:].gather(-1, bin_idx)[..., 0]
    input_heights = heights.gather(-1, bin_idx)[..., 0]
    if inverse:
        a = (inputs - input_cumheights) * (input_derivatives + input_derivatives_plus_one - 2 * input_delta) \
            + input_heights * (input_delta - input_derivatives)
        b = input_heights * input_derivatives \
            - (inputs - input_cumheights) * (input_derivatives + input_derivatives_plus_one - 2 * input_delta)
        c = -input_delta * (inputs - input_cumheights)
        discriminant = b.pow(2) - 4 * a * c
        assert (discriminant >= 0).all()
        root = (2 * c) / (-b - torch.sqrt(discriminant))
        outputs = root * input_bin_widths + input_cumwidths
        theta_one_minus_theta = root * (1 - root)
        denominator = input_delta + ((input_derivatives + input_derivatives_plus_one - 2 * input_delta)
                                     * theta_one_minus_theta)
        derivative_numerator = input_delta.pow(2) * (input_derivatives_plus_one * root.pow(2)
                                                     + 2 * input_delta * theta_one_minus_theta
                                                     + input_derivatives * (1 - root).pow(2))
        logabsdet = torch.log(derivative_numerator) - 2 * torch.log(denominator)
        return outputs, -logabsdet
    else:
        theta = (inputs - input_cumwidths) / input_bin_widths
        theta_one_minus_theta = theta * (1 - theta)
        numerator = input_heights * (input_delta * theta.pow(2) + input_derivatives * theta_one_minus_theta)
        denominator = input_delta + ((input_derivatives + input_derivatives_plus_one - 2 * input_delta)
                                     * theta_one_minus_theta)
        outputs = input_cumheights + numerator / denominator
        derivative_numerator = input_delta.pow(2) * (input_derivatives_plus_one * theta.pow(2)
                                                     + 2 * input_delta * theta_one_minus_theta
                                                     + input_derivatives * (1 - theta).pow(2))
        logabsdet = torch.log(derivative_numerator) - 2 * torch.log(denominator)
        return outputs, logabsdet


class TransformNet(nn.Module):
    """A small stand-in for nflows' ResidualNet (it has hidden_features, so the coupling scales the widths)."""

    def __init__(self, in_features, out_features, hidden_features):
        super().__init__()
        self.hidden_features = hidden_features
        self.initial_layer = nn.Linear(in_features, hidden_features)
        self.final_layer = nn.Linear(hidden_features, out_features)

    def forward(self, inputs, context=None):
        return self.final_layer(F.relu(self.initial_layer(inputs)))


class PiecewiseRQCoupling(nn.Module):
    def __init__(self, mask, hidden_features=8, num_bins=4, tail_bound=3.0):
        super().__init__()
        mask = torch.as_tensor(mask)
        features_vector = torch.arange(mask.numel())
        self.features = mask.numel()
        self.register_buffer("identity_features", features_vector.masked_select(mask <= 0))
        self.register_buffer("transform_features", features_vector.masked_select(mask > 0))
        self.num_bins = num_bins
        self.tail_bound = tail_bound
        self.transform_net = TransformNet(len(self.identity_features),
                                          len(self.transform_features) * (num_bins * 3 - 1), hidden_features)

    def _coupling_transform(self, inputs, transform_params, inverse):
        b, d = inputs.shape
        transform_params = transform_params.reshape(b, d, -1)
        outputs, logabsdet = self._piecewise_cdf(inputs, transform_params, inverse)
        return outputs, logabsdet.reshape(b, -1).sum(dim=1)   # torchutils.sum_except_batch

    def _piecewise_cdf(self, inputs, transform_params, inverse=False):
        unnormalized_widths = transform_params[..., :self.num_bins]
        unnormalized_heights = transform_params[..., self.num_bins:2 * self.num_bins]
        unnormalized_derivatives = transform_params[..., 2 * self.num_bins:]
        if hasattr(self.transform_net, "hidden_features"):
            unnormalized_widths /= np.sqrt(self.transform_net.hidden_features)
            unnormalized_heights /= np.sqrt(self.transform_net.hidden_features)
        return unconstrained_rational_quadratic_spline(inputs, unnormalized_widths, unnormalized_heights,
                                                       unnormalized_derivatives, inverse=inverse, tails="linear",
                                                       tail_bound=self.tail_bound)

    def forward(self, inputs, inverse=False):
        identity_split = inputs[:, self.identity_features, ...]
        transform_split = inputs[:, self.transform_features, ...]
        transform_params = self.transform_net(identity_split)
        transform_split, logabsdet = self._coupling_transform(transform_split, transform_params, inverse)
        outputs = torch.empty_like(inputs)
        outputs[:, self.identity_features, ...] = identity_split
        outputs[:, self.transform_features, ...] = transform_split
        return outputs, logabsdet


class SplineFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.transforms = nn.ModuleList([PiecewiseRQCoupling([1, 0, 1]), PiecewiseRQCoupling([0, 1, 0])])

    def forward(self, x):
        total = torch.zeros(x.shape[0])
        for t in self.transforms:
            x, ld = t(x)
            total = total + ld
        return x, total

    def inverse(self, z):
        total = torch.zeros(z.shape[0])
        for t in reversed(self.transforms):
            z, ld = t(z, inverse=True)
            total = total + ld
        return z, total

    def log_prob(self, x):
        z, logabsdet = self(x)
        log_z = -0.5 * z.pow(2).sum(dim=1) - 0.5 * z.shape[1] * np.log(2 * np.pi)   # StandardNormal
        return log_z + logabsdet


nsf = SplineFlow()
with torch.no_grad():  # a livelier start than nflows' near-identity (its final layer is not zeroed here either)
    for t in nsf.transforms:
        t.transform_net.final_layer.weight.mul_(3.0)
save_init("nsf.init.", nsf)
nsf_x = f32(torch.randn(3, 8, 3) * 1.6)
nsf_x[0, 1, 0], nsf_x[0, 4, 2], nsf_x[1, 2, 1], nsf_x[2, 0, 0] = 4.25, -3.5, 3.75, -5.0   # past the tail bound 3
out["nsf.x"] = nsf_x.float()
bins = f32(torch.sort(torch.rand(2, 3, 5), dim=-1)[0])
vals = f32(torch.rand(2, 3) * 1.2 - 0.1)
out["nsf.bins"], out["nsf.vals"] = bins.float(), vals.float()
out["nsf.searchsorted"] = searchsorted(bins.clone(), vals)
assert torch.equal(out["nsf.searchsorted"], torch.searchsorted(bins + torch.tensor([0, 0, 0, 0, 1e-6]),
                                                               vals[..., None], right=True)[..., 0] - 1)


def nsf_forward(step):
    lp = nsf.log_prob(nsf_x[step])
    return lp, -lp.mean()


train("nsf.", nsf, torch.optim.Adam(nsf.parameters(), lr=0.02), 3, nsf_forward,
      first=lambda o: out.__setitem__("nsf.logprob0", o.detach().clone()))
with torch.no_grad():
    z, ld = nsf(nsf_x[0])
    out["nsf.z"], out["nsf.logdet"] = z, ld
    xr, ldi = nsf.inverse(z)
    out["nsf.xinv"], out["nsf.logdetinv"] = xr, ldi
    assert (xr - nsf_x[0]).abs().max() < 1e-9 and (ld + ldi).abs().max() < 1e-9
# the inverse's gradients (through the quadratic's root: sqrt of the discriminant, the divisions), as summaries
nsf.zero_grad()
xr, ldi = nsf.inverse(out["nsf.z"])
((xr ** 2).sum() + ldi.sum()).backward()
out["nsf.invgradsum"] = torch.stack([summary(p.grad) for _, p in nsf.named_parameters()])


# 6. SIREN ---------------------------------------------------------------------------------------------------------------
class SineLayer(nn.Module):
    def __init__(self, in_features, out_features, bias=True, is_first=False, omega_0=30):
        super().__init__()
        self.omega_0 = omega_0
        self.is_first = is_first
        self.in_features = in_features
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        self.init_weights()

    def init_weights(self):
        with torch.no_grad():
            if self.is_first:
                self.linear.weight.uniform_(-1 / self.in_features, 1 / self.in_features)
            else:
                self.linear.weight.uniform_(-np.sqrt(6 / self.in_features) / self.omega_0,
                                            np.sqrt(6 / self.in_features) / self.omega_0)

    def forward(self, input):
        return torch.sin(self.omega_0 * self.linear(input))


class Siren(nn.Module):
    def __init__(self, in_features, hidden_features, hidden_layers, out_features, outermost_linear=False,
                 first_omega_0=30, hidden_omega_0=30.):
        super().__init__()
        self.net = []
        self.net.append(SineLayer(in_features, hidden_features, is_first=True, omega_0=first_omega_0))
        for i in range(hidden_layers):
            self.net.append(SineLayer(hidden_features, hidden_features, is_first=False, omega_0=hidden_omega_0))
        if outermost_linear:
            final_linear = nn.Linear(hidden_features, out_features)
            with torch.no_grad():
                final_linear.weight.uniform_(-np.sqrt(6 / hidden_features) / hidden_omega_0,
                                             np.sqrt(6 / hidden_features) / hidden_omega_0)
            self.net.append(final_linear)
        else:
            self.net.append(SineLayer(hidden_features, out_features, is_first=False, omega_0=hidden_omega_0))
        self.net = nn.Sequential(*self.net)

    def forward(self, coords):
        coords = coords.clone().detach().requires_grad_(True)  # allows to take derivative w.r.t. input
        output = self.net(coords)
        return output, coords


def get_mgrid(sidelen, dim=2):
    tensors = tuple(dim * [torch.linspace(-1, 1, steps=sidelen)])
    mgrid = torch.stack(torch.meshgrid(*tensors), dim=-1)
    return mgrid.reshape(-1, dim)


def gradient(y, x, grad_outputs=None):
    if grad_outputs is None:
        grad_outputs = torch.ones_like(y)
    return torch.autograd.grad(y, [x], grad_outputs=grad_outputs, create_graph=True)[0]


def divergence(y, x):
    div = 0.
    for i in range(y.shape[-1]):
        div += torch.autograd.grad(y[..., i], x, torch.ones_like(y[..., i]), create_graph=True)[0][..., i:i + 1]
    return div


def laplace(y, x):
    grad = gradient(y, x)
    return divergence(grad, x)


siren = Siren(2, 12, 2, 1, outermost_linear=True)
save_init("siren.init.", siren)
siren_coords = get_mgrid(4)
out["siren.mgrid"] = siren_coords
siren_gt = f32(torch.randn(16, 1) * 0.5)
siren_gt_grad = f32(torch.randn(16, 2))
out["siren.gt"], out["siren.gtgrad"] = siren_gt.float(), siren_gt_grad.float()


def siren_forward(step):
    # the value and the Poisson (gradient) fits together: the loss holds a gradient made with create_graph
    model_output, coords = siren(siren_coords)
    grad = gradient(model_output, coords)
    loss = ((model_output - siren_gt) ** 2).mean() + 0.01 * ((grad - siren_gt_grad) ** 2).mean()
    if step == 0:
        out["siren.grad0x"] = grad.detach().clone()
        out["siren.laplace0"] = laplace(model_output, coords).detach().clone()
    return model_output, loss


train("siren.", siren, torch.optim.Adam(siren.parameters(), lr=1e-3), 3, siren_forward,
      first=lambda o: out.__setitem__("siren.out0", o.detach().clone()))


# 7. Set Transformer and Deep Sets (juho-lee/set_transformer) -----------------------------------------------------------
class MAB(nn.Module):
    def __init__(self, dim_Q, dim_K, dim_V, num_heads, ln=False):
        super(MAB, self).__init__()
        self.dim_V = dim_V
        self.num_heads = num_heads
        self.fc_q = nn.Linear(dim_Q, dim_V)
        self.fc_k = nn.Linear(dim_K, dim_V)
        self.fc_v = nn.Linear(dim_K, dim_V)
        if ln:
            self.ln0 = nn.LayerNorm(dim_V)
            self.ln1 = nn.LayerNorm(dim_V)
        self.fc_o = nn.Linear(dim_V, dim_V)

    def forward(self, Q, K):
        Q = self.fc_q(Q)
        K, V = self.fc_k(K), self.fc_v(K)
        dim_split = self.dim_V // self.num_heads
        Q_ = torch.cat(Q.split(dim_split, 2), 0)
        K_ = torch.cat(K.split(dim_split, 2), 0)
        V_ = torch.cat(V.split(dim_split, 2), 0)
        A = torch.softmax(Q_.bmm(K_.transpose(1, 2)) / math.sqrt(self.dim_V), 2)
        O = torch.cat((Q_ + A.bmm(V_)).split(Q.size(0), 0), 2)
        O = O if getattr(self, 'ln0', None) is None else self.ln0(O)
        O = O + F.relu(self.fc_o(O))
        O = O if getattr(self, 'ln1', None) is None else self.ln1(O)
        return O


class SAB(nn.Module):
    def __init__(self, dim_in, dim_out, num_heads, ln=False):
        super(SAB, self).__init__()
        self.mab = MAB(dim_in, dim_in, dim_out, num_heads, ln=ln)

    def forward(self, X):
        return self.mab(X, X)


class ISAB(nn.Module):
    def __init__(self, dim_in, dim_out, num_heads, num_inds, ln=False):
        super(ISAB, self).__init__()
        self.I = nn.Parameter(torch.Tensor(1, num_inds, dim_out))
        nn.init.xavier_uniform_(self.I)
        self.mab0 = MAB(dim_out, dim_in, dim_out, num_heads, ln=ln)
        self.mab1 = MAB(dim_in, dim_out, dim_out, num_heads, ln=ln)

    def forward(self, X):
        H = self.mab0(self.I.repeat(X.size(0), 1, 1), X)
        return self.mab1(X, H)


class PMA(nn.Module):
    def __init__(self, dim, num_heads, num_seeds, ln=False):
        super(PMA, self).__init__()
        self.S = nn.Parameter(torch.Tensor(1, num_seeds, dim))
        nn.init.xavier_uniform_(self.S)
        self.mab = MAB(dim, dim, dim, num_heads, ln=ln)

    def forward(self, X):
        return self.mab(self.S.repeat(X.size(0), 1, 1), X)


class SetTransformer(nn.Module):
    def __init__(self, dim_input, num_outputs, dim_output, num_inds=32, dim_hidden=128, num_heads=4, ln=False):
        super(SetTransformer, self).__init__()
        self.enc = nn.Sequential(ISAB(dim_input, dim_hidden, num_heads, num_inds, ln=ln),
                                 ISAB(dim_hidden, dim_hidden, num_heads, num_inds, ln=ln))
        self.dec = nn.Sequential(PMA(dim_hidden, num_heads, num_outputs, ln=ln),
                                 SAB(dim_hidden, dim_hidden, num_heads, ln=ln),
                                 SAB(dim_hidden, dim_hidden, num_heads, ln=ln),
                                 nn.Linear(dim_hidden, dim_output))

    def forward(self, X):
        return self.dec(self.enc(X))


class DeepSet(nn.Module):
    def __init__(self, dim_input, num_outputs, dim_output, dim_hidden=128):
        super(DeepSet, self).__init__()
        self.num_outputs = num_outputs
        self.dim_output = dim_output
        self.enc = nn.Sequential(nn.Linear(dim_input, dim_hidden), nn.ReLU(), nn.Linear(dim_hidden, dim_hidden),
                                 nn.ReLU(), nn.Linear(dim_hidden, dim_hidden), nn.ReLU(),
                                 nn.Linear(dim_hidden, dim_hidden))
        self.dec = nn.Sequential(nn.Linear(dim_hidden, dim_hidden), nn.ReLU(), nn.Linear(dim_hidden, dim_hidden),
                                 nn.ReLU(), nn.Linear(dim_hidden, dim_hidden), nn.ReLU(),
                                 nn.Linear(dim_hidden, num_outputs * dim_output))

    def forward(self, X):
        X = self.enc(X).mean(-2)
        return self.dec(X).reshape(-1, self.num_outputs, self.dim_output)


settr = SetTransformer(2, 1, 2, num_inds=3, dim_hidden=8, num_heads=2, ln=True)
save_init_packed("set.init", settr)
deepset = DeepSet(2, 1, 2, dim_hidden=6)
save_init("dset.init.", deepset)
set_x = f32(torch.rand(3, 4, 5, 2))
out["set.x"] = set_x.float()
set_perm = torch.randperm(5)
out["set.perm"] = set_perm


def max_forward(model):
    # the repository's max-regression demo: the largest element per coordinate, an L1 loss
    def forward(step):
        o = model(set_x[step]).squeeze(1)
        return o, F.l1_loss(o, set_x[step].max(dim=1)[0])
    return forward


train("set.", settr, torch.optim.Adam(settr.parameters(), lr=0.01), 3, max_forward(settr), summarized=True,
      first=lambda o: out.__setitem__("set.out0", o.detach().clone()))
train("dset.", deepset, torch.optim.Adam(deepset.parameters(), lr=0.01), 3, max_forward(deepset),
      first=lambda o: out.__setitem__("dset.out0", o.detach().clone()))
with torch.no_grad():
    out["set.eval"] = settr(set_x[0])
    out["set.perm_out"] = settr(set_x[0][:, set_perm])


# 7b. H3's diagonal state-space kernel: state-spaces/s4's S4D (models/s4/s4d.py) --------------------------------------
class S4DKernel(OptimModule):
    def __init__(self, d_model, N=64, dt_min=0.001, dt_max=0.1, lr=None):
        super().__init__()
        H = d_model
        log_dt = torch.rand(H) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)
        C = torch.randn(H, N // 2, dtype=torch.cfloat)
        self.C = nn.Parameter(torch.view_as_real(C))
        self.register("log_dt", log_dt, lr)
        log_A_real = torch.log(0.5 * torch.ones(H, N // 2))
        A_imag = math.pi * torch.arange(N // 2).unsqueeze(0).expand(H, -1)   # repeat 'n -> h n'
        self.register("log_A_real", log_A_real, lr)
        self.register("A_imag", A_imag, lr)

    def forward(self, L):
        dt = torch.exp(self.log_dt)
        C = torch.view_as_complex(self.C)
        A = -torch.exp(self.log_A_real) + 1j * self.A_imag
        dtA = A * dt.unsqueeze(-1)
        K = dtA.unsqueeze(-1) * torch.arange(L)
        C = C * (torch.exp(dtA) - 1.) / A
        K = 2 * torch.einsum('hn, hnl -> hl', C, torch.exp(K)).real
        return K


class S4D(nn.Module):
    def __init__(self, d_model, d_state=64, dropout=0.0, transposed=True, **kernel_args):
        super().__init__()
        self.h = d_model
        self.n = d_state
        self.d_output = self.h
        self.transposed = transposed
        self.D = nn.Parameter(torch.randn(self.h))
        self.kernel = S4DKernel(self.h, N=self.n, **kernel_args)
        self.activation = nn.GELU()
        self.dropout = nn.Identity()  # DropoutNd(dropout) if dropout > 0.0
        self.output_linear = nn.Sequential(nn.Conv1d(self.h, 2 * self.h, kernel_size=1), nn.GLU(dim=-2))

    def forward(self, u):
        if not self.transposed:
            u = u.transpose(-1, -2)
        L = u.size(-1)
        k = self.kernel(L=L)
        k_f = torch.fft.rfft(k, n=2 * L)
        u_f = torch.fft.rfft(u, n=2 * L)
        y = torch.fft.irfft(u_f * k_f, n=2 * L)[..., :L]
        y = y + u * self.D.unsqueeze(-1)
        y = self.dropout(self.activation(y))
        y = self.output_linear(y)
        if not self.transposed:
            y = y.transpose(-1, -2)
        return y, None


class S4DLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(6, 4)
        self.s4d = S4D(4, d_state=8, transposed=False, lr=0.01)
        self.head = nn.Linear(4, 6)

    def forward(self, idx):
        x = self.emb(idx)
        y, _ = self.s4d(x)
        return self.head(y + x)


s4d = S4DLM()
assert s4d.s4d.kernel.C.dtype == torch.float32   # torch.cfloat viewed as real: a float32 parameter
save_init("s4d.init.", s4d)
out["s4d.kernel"] = s4d.s4d.kernel(7)
s4d_idx = torch.randint(0, 6, (3, 2, 8))
out["s4d.idx"] = s4d_idx
# the s4 example's setup_optimizer: AdamW on the parameters without _optim, one group per distinct _optim
all_parameters = list(s4d.parameters())
s4d_opt = torch.optim.AdamW([p for p in all_parameters if not hasattr(p, "_optim")], lr=0.02, weight_decay=0.01)
hps = [getattr(p, "_optim") for p in all_parameters if hasattr(p, "_optim")]
hps = [dict(h) for h in sorted(list(dict.fromkeys(frozenset(hp.items()) for hp in hps)))]
assert hps == [{"lr": 0.01, "weight_decay": 0.0}]
for hp in hps:
    s4d_opt.add_param_group({"params": [p for p in all_parameters if getattr(p, "_optim", None) == hp], **hp})


def s4d_forward(step):
    seq = s4d_idx[step]
    logits = s4d(seq[:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 6), seq[:, 1:].reshape(-1))


train("s4d.", s4d, s4d_opt, 3, s4d_forward, first=lambda o: out.__setitem__("s4d.logits0", o.detach().clone()))


# 8. RetNet as written in a float64 program (decay a float32 buffer), and float32 as the reference code runs ------------
def init_of(prefix):
    return {k[len(prefix):]: v for k, v in out.items() if k.startswith(prefix)}


def first_packed(prefix, model, forward):
    """The first forward and backward: output, loss and the gradients packed in named_parameters' order."""
    o, loss = forward(model)
    loss.backward()
    out[prefix + "out"], out[prefix + "loss"] = o.detach().clone(), loss.detach().clone()
    out[prefix + "grad"] = torch.cat([p.grad.reshape(-1) for _, p in model.named_parameters()])


def ret_lm_forward(m):
    logits = m(ret_idx[0][:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 10), ret_idx[0][:, 1:].reshape(-1))


# no .double(): the mask is float32 (arange(slen).to(decay), exp of float32), the rest float64 by promotion
ret_mixed = RetNetLM()
ret_mixed.load_state_dict(init_of("ret.init."))
assert ret_mixed.retnet_rel_pos.decay.dtype == torch.float32
out["mix.ret.mask"] = ret_mixed.retnet_rel_pos(5)[1]
first_packed("mix.ret.", ret_mixed, ret_lm_forward)

torch.set_default_dtype(torch.float32)
hy32 = HyenaLM()
hy32.load_state_dict(init_of("hy.init."))
first_packed("f32.hy.", hy32, lambda m: (lambda o: (o, F.cross_entropy(o.reshape(-1, 9), hy_idx[0][:, 1:].reshape(-1))))(
    m(hy_idx[0][:, :-1])))
ret32 = RetNetLM()
ret32.load_state_dict(init_of("ret.init."))
first_packed("f32.ret.", ret32, ret_lm_forward)
nsf32 = SplineFlow()
nsf32.load_state_dict(init_of("nsf.init."))
first_packed("f32.nsf.", nsf32, lambda m: (lambda lp: (lp, -lp.mean()))(m.log_prob(nsf_x[0].float())))
siren32 = Siren(2, 12, 2, 1, outermost_linear=True)
siren32.load_state_dict(init_of("siren.init."))


def siren32_forward(m):
    model_output, coords = m(get_mgrid(4))
    grad = gradient(model_output, coords)
    return model_output, ((model_output - siren_gt.float()) ** 2).mean() \
        + 0.01 * ((grad - siren_gt_grad.float()) ** 2).mean()


first_packed("f32.siren.", siren32, siren32_forward)
torch.set_default_dtype(torch.float64)


# 9. the recipes' misuses: PyTorch's messages (texts19.txt) -------------------------------------------------------------
texts = {}


def message(key, f):
    try:
        f()
    except (RuntimeError, IndexError, ValueError, TypeError) as ex:
        texts[key] = str(ex).split("\n")[0]
        return
    raise AssertionError(key + " raised nothing")


# fftconv with n = 0 (a zero-length sequence)
message("irfft", lambda: torch.fft.irfft(torch.zeros(2, 3, dtype=torch.complex128), n=0))
# the spline's gather with a bin index past the bins
message("gather", lambda: torch.zeros(4, 5).gather(-1, torch.tensor([[5], [0], [1], [2]])))
# SpatialTransformer's Normalize on channels the groups do not divide
message("group_norm", lambda: F.group_norm(torch.zeros(2, 6, 4, 4), 4))
# Hyena's depthwise short filter given the wrong channel count
message("conv1d", lambda: F.conv1d(torch.zeros(2, 12, 8), torch.zeros(12, 1, 3), groups=12)
        if False else F.conv1d(torch.zeros(2, 8, 8), torch.zeros(12, 1, 3), padding=2, groups=12))
# the Set Transformer's Q_.bmm(K_.transpose(1, 2)) with K of another width (a dim_split the heads do not share)
message("bmm", lambda: torch.zeros(4, 3, 4).bmm(torch.zeros(4, 3, 5).transpose(1, 2)))
# SIREN's torch.autograd.grad of an output that does not need coords (coords not made to require grad)
message("grad", lambda: torch.autograd.grad(torch.ones(3, requires_grad=True).sum(), [torch.zeros(3)]))
# Perceiver's chunk of the kv projection along a dim of size 0 chunks
message("chunk", lambda: torch.zeros(2, 8).chunk(0, dim=-1))


# Perceiver's ~mask on a float mask, as torch.bitwise_not (Java has no ~: a port writes bitwise_not, whose message
# this is; Python's ~ on a float tensor raises a TypeError of its own wording)
message("invert", lambda: torch.bitwise_not(torch.ones(2, 4)))
with open("texts19.txt", "w") as fh:
    for key in sorted(texts):
        fh.write(key + "\t" + texts[key] + "\n")

with open("names19.txt", "w") as fh:
    for line in NAMES:
        fh.write(line + "\n")
torch.save(out, "programs19.pt")
print(len(out), "entries")
