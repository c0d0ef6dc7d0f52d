"""Expected values for OutsiderPrograms11Test (session 35's outsider pass, round 11): programs from well-known
repositories the earlier rounds did not port, each written as that repository's reference code writes it, run from
PyTorch's initial weights and fixed data, which are saved beside the losses, gradients of named parameters after the
first backward, parameters (and buffers) after the last step and outputs:
  vq.*     zalandoresearch/pytorch-vq-vae's VQ-VAE (the notebook's Encoder, Residual stack, pre-VQ 1x1 conv, Decoder
           with ConvTranspose2d): VectorQuantizer (distances by the sum/matmul expansion, argmin, scatter_ of ones into
           zeros, the straight-through inputs + (quantized - inputs).detach(), q and e latent losses, the perplexity)
           trained with Adam; VectorQuantizerEMA (the _ema_cluster_size buffer reassigned, Laplace smoothing, the
           _ema_w and _embedding.weight replaced by new nn.Parameters each training forward) trained with Adam too;
           rosinality/vq-vae-2-pytorch's Quantize (embed, cluster_size and embed_avg buffers updated by .data.mul_ /
           add_, (-dist).max(1), F.one_hot(...).type(dtype), F.embedding of the transposed codebook) and the cdist /
           argmin form of lucidrains' vector-quantize-pytorch; in float64 (the default type)
  ss.*     state-spaces/mamba's selective_scan_ref (u.float(), delta_bias, softplus, einsum of deltaA and deltaB_u,
           the loop over time, y from C, the D skip, z's SiLU gate, out.to(dtype_in)) in float32 with constant and
           variable B and C, and with a complex A (B and C as view_as_complex of (L two) pairs, y.real * 2), every input's
           gradient
  mamba.*  mamba_simple.py's Mamba block's reference path (in_proj by weight @ rearranged input, the depthwise causal
           Conv1d cut to seqlen, SiLU, x_proj split into dt, B, C, dt_proj's weight @ dt.t(), A = -exp(A_log), the
           selective scan with dt_proj.bias as delta_bias), its init (dt's inverse softplus bias, A_log of a repeated
           arange), trained in float32 with AdamW whose no-decay group holds A_log and D; then the step() decoding
           (conv_state rolled and copied in place, the SSM state updated by copy_) token by token
  opt.*    optimizers written as torch.optim.Optimizer subclasses by well-known repositories, each stepping a small MLP:
           lucidrains/lion-pytorch's Lion (and its decoupled weight decay), cybertronai/pytorch-lamb's Lamb (trust ratio
           of clamped weight norm over the Adam step's norm) and transformers' Adafactor (relative step, parameter scale,
           factored second moments for matrices, update clipping; and with beta1, a fixed lr and weight decay); float64;
           and a checkpoint of the model's and the optimizer's state_dict() after 2 of the 4 steps (<name>_mid.pt)
  glow.*   rosinality/glow-pytorch (ActNorm, InvConv2dLU, ZeroConv2d, AffineCoupling, Flow, Block, Glow, calc_loss and
           train.py's loop with its first no_grad forward) in float32, then reverse() reconstructing and sampling
  perf.*   lucidrains/performer-pytorch's FAVOR+ SelfAttention (gaussian_orthogonal_random_matrix's randn blocks saved,
           softmax_kernel, generalized_kernel, linear_attention, causal_linear_attention_noncuda over chunks) with Adam
  caps.*   gram-ai/capsule-networks' CapsuleNet (dynamic routing, squash, CapsuleLoss) cut down in size, with Adam

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs11.pt (a dict of tensors), texts11.txt,
lion_mid.pt, lamb_mid.pt, adafactor_mid.pt, adafactor_fixed_mid.pt.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Optimizer

torch.set_default_dtype(torch.float64)
torch.manual_seed(11)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + k] = p.grad.clone()


# 1. VQ-VAE ------------------------------------------------------------------------------------------------------------
class VectorQuantizer(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost):
        super(VectorQuantizer, self).__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
        self._embedding.weight.data.uniform_(-1 / self._num_embeddings, 1 / self._num_embeddings)
        self._commitment_cost = commitment_cost

    def forward(self, inputs):
        # convert inputs from BCHW -> BHWC
        inputs = inputs.permute(0, 2, 3, 1).contiguous()
        input_shape = inputs.shape
        # Flatten input
        flat_input = inputs.view(-1, self._embedding_dim)
        # Calculate distances
        distances = (torch.sum(flat_input ** 2, dim=1, keepdim=True)
                     + torch.sum(self._embedding.weight ** 2, dim=1)
                     - 2 * torch.matmul(flat_input, self._embedding.weight.t()))
        # Encoding
        encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
        encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings, device=inputs.device)
        encodings.scatter_(1, encoding_indices, 1)
        # Quantize and unflatten
        quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
        # Loss
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        q_latent_loss = F.mse_loss(quantized, inputs.detach())
        loss = q_latent_loss + self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        # convert quantized from BHWC -> BCHW
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings


class VectorQuantizerEMA(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost, decay, epsilon=1e-5):
        super(VectorQuantizerEMA, self).__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
        self._embedding.weight.data.normal_()
        self._commitment_cost = commitment_cost
        self.register_buffer('_ema_cluster_size', torch.zeros(num_embeddings))
        self._ema_w = nn.Parameter(torch.Tensor(num_embeddings, self._embedding_dim))
        self._ema_w.data.normal_()
        self._decay = decay
        self._epsilon = epsilon

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1).contiguous()
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)
        distances = (torch.sum(flat_input ** 2, dim=1, keepdim=True)
                     + torch.sum(self._embedding.weight ** 2, dim=1)
                     - 2 * torch.matmul(flat_input, self._embedding.weight.t()))
        encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
        encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings, device=inputs.device)
        encodings.scatter_(1, encoding_indices, 1)
        quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
        # Use EMA to update the embedding vectors
        if self.training:
            self._ema_cluster_size = self._ema_cluster_size * self._decay + \
                                     (1 - self._decay) * torch.sum(encodings, 0)
            # Laplace smoothing of the cluster size
            n = torch.sum(self._ema_cluster_size.data)
            self._ema_cluster_size = (
                    (self._ema_cluster_size + self._epsilon)
                    / (n + self._num_embeddings * self._epsilon) * n)
            dw = torch.matmul(encodings.t(), flat_input)
            self._ema_w = nn.Parameter(self._ema_w * self._decay + (1 - self._decay) * dw)
            self._embedding.weight = nn.Parameter(self._ema_w / self._ema_cluster_size.unsqueeze(1))
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        loss = self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings


class Residual(nn.Module):
    def __init__(self, in_channels, num_hiddens, num_residual_hiddens):
        super(Residual, self).__init__()
        self._block = nn.Sequential(
            nn.ReLU(True),
            nn.Conv2d(in_channels=in_channels, out_channels=num_residual_hiddens, kernel_size=3, stride=1, padding=1,
                      bias=False),
            nn.ReLU(True),
            nn.Conv2d(in_channels=num_residual_hiddens, out_channels=num_hiddens, kernel_size=1, stride=1, bias=False))

    def forward(self, x):
        return x + self._block(x)


class ResidualStack(nn.Module):
    def __init__(self, in_channels, num_hiddens, num_residual_layers, num_residual_hiddens):
        super(ResidualStack, self).__init__()
        self._num_residual_layers = num_residual_layers
        self._layers = nn.ModuleList([Residual(in_channels, num_hiddens, num_residual_hiddens)
                                      for _ in range(self._num_residual_layers)])

    def forward(self, x):
        for i in range(self._num_residual_layers):
            x = self._layers[i](x)
        return F.relu(x)


class Encoder(nn.Module):
    def __init__(self, in_channels, num_hiddens, num_residual_layers, num_residual_hiddens):
        super(Encoder, self).__init__()
        self._conv_1 = nn.Conv2d(in_channels=in_channels, out_channels=num_hiddens // 2, kernel_size=4, stride=2,
                                 padding=1)
        self._conv_2 = nn.Conv2d(in_channels=num_hiddens // 2, out_channels=num_hiddens, kernel_size=4, stride=2,
                                 padding=1)
        self._conv_3 = nn.Conv2d(in_channels=num_hiddens, out_channels=num_hiddens, kernel_size=3, stride=1, padding=1)
        self._residual_stack = ResidualStack(in_channels=num_hiddens, num_hiddens=num_hiddens,
                                             num_residual_layers=num_residual_layers,
                                             num_residual_hiddens=num_residual_hiddens)

    def forward(self, inputs):
        x = self._conv_1(inputs)
        x = F.relu(x)
        x = self._conv_2(x)
        x = F.relu(x)
        x = self._conv_3(x)
        return self._residual_stack(x)


class Decoder(nn.Module):
    def __init__(self, in_channels, num_hiddens, num_residual_layers, num_residual_hiddens):
        super(Decoder, self).__init__()
        self._conv_1 = nn.Conv2d(in_channels=in_channels, out_channels=num_hiddens, kernel_size=3, stride=1, padding=1)
        self._residual_stack = ResidualStack(in_channels=num_hiddens, num_hiddens=num_hiddens,
                                             num_residual_layers=num_residual_layers,
                                             num_residual_hiddens=num_residual_hiddens)
        self._conv_trans_1 = nn.ConvTranspose2d(in_channels=num_hiddens, out_channels=num_hiddens // 2, kernel_size=4,
                                                stride=2, padding=1)
        self._conv_trans_2 = nn.ConvTranspose2d(in_channels=num_hiddens // 2, out_channels=1, kernel_size=4, stride=2,
                                                padding=1)

    def forward(self, inputs):
        x = self._conv_1(inputs)
        x = self._residual_stack(x)
        x = self._conv_trans_1(x)
        x = F.relu(x)
        return self._conv_trans_2(x)


class Model(nn.Module):
    def __init__(self, num_hiddens, num_residual_layers, num_residual_hiddens, num_embeddings, embedding_dim,
                 commitment_cost, decay=0):
        super(Model, self).__init__()
        self._encoder = Encoder(1, num_hiddens, num_residual_layers, num_residual_hiddens)
        self._pre_vq_conv = nn.Conv2d(in_channels=num_hiddens, out_channels=embedding_dim, kernel_size=1, stride=1)
        if decay > 0.0:
            self._vq_vae = VectorQuantizerEMA(num_embeddings, embedding_dim, commitment_cost, decay)
        else:
            self._vq_vae = VectorQuantizer(num_embeddings, embedding_dim, commitment_cost)
        self._decoder = Decoder(embedding_dim, num_hiddens, num_residual_layers, num_residual_hiddens)

    def forward(self, x):
        z = self._encoder(x)
        z = self._pre_vq_conv(z)
        loss, quantized, perplexity, _ = self._vq_vae(z)
        x_recon = self._decoder(quantized)
        return loss, x_recon, perplexity


vq_data = torch.rand(3, 1, 8, 8) - 0.5
data_variance = 0.2
out["vq.data"] = vq_data
for name, decay in (("plain", 0.0), ("ema", 0.9)):
    model = Model(8, 2, 4, 6, 3, 0.25, decay)
    # the codebook spread over the encoder's outputs, so that several codes are used from the first step
    with torch.no_grad():
        z0 = model._pre_vq_conv(model._encoder(vq_data)).permute(0, 2, 3, 1).reshape(-1, 3)
        model._vq_vae._embedding.weight.copy_(z0[torch.tensor([0, 3, 5, 8, 10, 11])] + 0.01)
        if decay > 0:
            model._vq_vae._ema_w.copy_(model._vq_vae._embedding.weight * 0.5)
    save_state("vq." + name + ".init.", model)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, amsgrad=False)
    model.train()
    losses, perps, recons = [], [], []
    for step in range(3):
        optimizer.zero_grad()
        vq_loss, data_recon, perplexity = model(vq_data)
        recon_error = F.mse_loss(data_recon, vq_data) / data_variance
        loss = recon_error + vq_loss
        loss.backward()
        if step == 0:
            out["vq." + name + ".recon0"] = data_recon.detach().clone()
            save_grads("vq." + name + ".grad0.", model)
        optimizer.step()
        losses.append(loss.item())
        perps.append(perplexity.item())
        recons.append(recon_error.item())
    out["vq." + name + ".loss"] = torch.tensor(losses)
    out["vq." + name + ".perplexity"] = torch.tensor(perps)
    out["vq." + name + ".recon_error"] = torch.tensor(recons)
    save_state("vq." + name + ".final.", model)
    model.eval()
    with torch.no_grad():
        _, _, _, enc = model._vq_vae(model._pre_vq_conv(model._encoder(vq_data)))
        out["vq." + name + ".eval_codes"] = enc.argmax(1)


class Quantize(nn.Module):
    """rosinality/vq-vae-2-pytorch vqvae.py."""

    def __init__(self, dim, n_embed, decay=0.99, eps=1e-5):
        super().__init__()
        self.dim = dim
        self.n_embed = n_embed
        self.decay = decay
        self.eps = eps
        embed = torch.randn(dim, n_embed)
        self.register_buffer("embed", embed)
        self.register_buffer("cluster_size", torch.zeros(n_embed))
        self.register_buffer("embed_avg", embed.clone())

    def forward(self, input):
        flatten = input.reshape(-1, self.dim)
        dist = (
                flatten.pow(2).sum(1, keepdim=True)
                - 2 * flatten @ self.embed
                + self.embed.pow(2).sum(0, keepdim=True)
        )
        _, embed_ind = (-dist).max(1)
        embed_onehot = F.one_hot(embed_ind, self.n_embed).type(flatten.dtype)
        embed_ind = embed_ind.view(*input.shape[:-1])
        quantize = self.embed_code(embed_ind)
        if self.training:
            embed_onehot_sum = embed_onehot.sum(0)
            embed_sum = flatten.transpose(0, 1) @ embed_onehot
            self.cluster_size.data.mul_(self.decay).add_(embed_onehot_sum, alpha=1 - self.decay)
            self.embed_avg.data.mul_(self.decay).add_(embed_sum, alpha=1 - self.decay)
            n = self.cluster_size.sum()
            cluster_size = ((self.cluster_size + self.eps) / (n + self.n_embed * self.eps) * n)
            embed_normalized = self.embed_avg / cluster_size.unsqueeze(0)
            self.embed.data.copy_(embed_normalized)
        diff = (quantize.detach() - input).pow(2).mean()
        quantize = input + (quantize - input).detach()
        return quantize, diff, embed_ind

    def embed_code(self, embed_id):
        return F.embedding(embed_id, self.embed.transpose(0, 1))


quant = Quantize(3, 5, decay=0.8)
save_state("vq.rq.init.", quant)
rq_in = torch.randn(2, 4, 4, 3, requires_grad=True)
out["vq.rq.input"] = rq_in.detach().clone()
rq_diffs = []
for step in range(2):
    q, diff, ind = quant(rq_in * (1 + step))
    (q.pow(2).sum() + diff).backward()
    out["vq.rq.quantize%d" % step] = q.detach().clone()
    out["vq.rq.ind%d" % step] = ind.clone()
    rq_diffs.append(diff.item())
out["vq.rq.diff"] = torch.tensor(rq_diffs)
out["vq.rq.input_grad"] = rq_in.grad.clone()
save_state("vq.rq.final.", quant)
# lucidrains' vector-quantize-pytorch: dist = -torch.cdist(x, embed, p=2); embed_ind = dist.argmax(dim=-1)
out["vq.cdist_ind"] = (-torch.cdist(rq_in.detach().reshape(1, -1, 3), quant.embed.t().unsqueeze(0), p=2)).argmax(dim=-1)


# 2. Mamba's selective_scan_ref ----------------------------------------------------------------------------------------
def selective_scan_ref(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False,
                       return_last_state=False):
    """
    u: r(B D L)
    delta: r(B D L)
    A: c(D N) or r(D N)
    B: c(D N) or r(B N L) or r(B N 2L) or r(B G N L) or (B G N L)
    C: c(D N) or r(B N L) or r(B N 2L) or r(B G N L) or (B G N L)
    D: r(D)
    z: r(B D L)
    delta_bias: r(D), fp32

    out: r(B D L)
    last_state (optional): r(B D dstate) or c(B D dstate)
    """
    dtype_in = u.dtype
    u = u.float()
    delta = delta.float()
    if delta_bias is not None:
        delta = delta + delta_bias[..., None].float()
    if delta_softplus:
        delta = F.softplus(delta)
    batch, dim, dstate = u.shape[0], A.shape[0], A.shape[1]
    is_variable_B = B.dim() >= 3
    is_variable_C = C.dim() >= 3
    if A.is_complex():
        if is_variable_B:
            # rearrange(B.float(), "... (L two) -> ... L two", two=2)
            B = torch.view_as_complex(B.float().unflatten(-1, (-1, 2)))
        if is_variable_C:
            C = torch.view_as_complex(C.float().unflatten(-1, (-1, 2)))
    else:
        B = B.float()
        C = C.float()
    x = A.new_zeros((batch, dim, dstate))
    ys = []
    deltaA = torch.exp(torch.einsum('bdl,dn->bdln', delta, A))
    if not is_variable_B:
        deltaB_u = torch.einsum('bdl,dn,bdl->bdln', delta, B, u)
    else:
        if B.dim() == 3:
            deltaB_u = torch.einsum('bdl,bnl,bdl->bdln', delta, B, u)
        else:
            B = B.repeat_interleave(dim // B.shape[1], dim=1)  # repeat(B, "B G N L -> B (G H) N L", H=dim // G)
            deltaB_u = torch.einsum('bdl,bdnl,bdl->bdln', delta, B, u)
    if is_variable_C and C.dim() == 4:
        C = C.repeat_interleave(dim // C.shape[1], dim=1)
    last_state = None
    for i in range(u.shape[2]):
        x = deltaA[:, :, i] * x + deltaB_u[:, :, i]
        if not is_variable_C:
            y = torch.einsum('bdn,dn->bd', x, C)
        else:
            if C.dim() == 3:
                y = torch.einsum('bdn,bn->bd', x, C[:, :, i])
            else:
                y = torch.einsum('bdn,bdn->bd', x, C[:, :, :, i])
        if i == u.shape[2] - 1:
            last_state = x
        if y.is_complex():
            y = y.real * 2
        ys.append(y)
    y = torch.stack(ys, dim=2)  # (batch dim L)
    out = y if D is None else y + u * D.unsqueeze(-1)  # rearrange(D, "d -> d 1")
    if z is not None:
        out = out * F.silu(z)
    out = out.to(dtype=dtype_in)
    return out if not return_last_state else (out, last_state)


f32 = torch.float32
bt, dm, ds, L = 2, 3, 4, 5
ss = {
    "u": torch.randn(bt, dm, L, dtype=f32),
    "delta": 0.5 * torch.randn(bt, dm, L, dtype=f32),
    "A": -0.5 - torch.rand(dm, ds, dtype=f32),
    "Bv": torch.randn(bt, ds, L, dtype=f32),
    "Cv": torch.randn(bt, ds, L, dtype=f32),
    "Bc": torch.randn(dm, ds, dtype=f32),
    "Cc": torch.randn(dm, ds, dtype=f32),
    "Bg": torch.randn(bt, 1, ds, L, dtype=f32),
    "D": torch.randn(dm, dtype=f32),
    "z": torch.randn(bt, dm, L, dtype=f32),
    "delta_bias": 0.1 * torch.randn(dm, dtype=f32),
    "Acx": torch.complex(-0.5 - torch.rand(dm, ds, dtype=f32), torch.randn(dm, ds, dtype=f32)),
    "Bcx": torch.randn(bt, ds, 2 * L, dtype=f32),
    "Ccx": torch.randn(bt, ds, 2 * L, dtype=f32),
}
for k, v in ss.items():
    out["ss." + k] = v
cases = {
    "variable": ("u delta A Bv Cv D z delta_bias", True),
    "constant": ("u delta A Bc Cc D", False),
    "grouped": ("u delta A Bg Cv D z delta_bias", True),
    "complex": ("u delta Acx Bcx Ccx D z delta_bias", True),
}
for case, (names, softplus) in cases.items():
    ins = {n: ss[n].clone().requires_grad_() for n in names.split()}
    args = list(ins.values())
    kw = {}
    if "z" in ins:
        kw["z"] = ins["z"]
    if "delta_bias" in ins:
        kw["delta_bias"] = ins["delta_bias"]
    o, last = selective_scan_ref(args[0], args[1], args[2], args[3], args[4], ins["D"], delta_softplus=softplus,
                                 return_last_state=True, **kw)
    out["ss." + case + ".out"] = o.detach().clone()
    out["ss." + case + ".last"] = last.detach().clone()
    w = torch.linspace(-1, 1, o.numel(), dtype=f32).view(o.shape)
    ((o * w).sum() + (last.abs() ** 2).sum()).backward()
    for n, t in ins.items():
        out["ss." + case + ".grad." + n] = t.grad.clone()


# 3. Mamba block (mamba_simple.py's reference path) --------------------------------------------------------------------
class Mamba(nn.Module):
    def __init__(self, d_model, d_state=16, d_conv=4, expand=2, dt_rank="auto", dt_min=0.001, dt_max=0.1,
                 dt_init="random", dt_scale=1.0, dt_init_floor=1e-4, conv_bias=True, bias=False, layer_idx=None,
                 device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.d_model = d_model
        self.d_state = d_state
        self.d_conv = d_conv
        self.expand = expand
        self.d_inner = int(self.expand * self.d_model)
        self.dt_rank = math.ceil(self.d_model / 16) if dt_rank == "auto" else dt_rank
        self.layer_idx = layer_idx
        self.in_proj = nn.Linear(self.d_model, self.d_inner * 2, bias=bias, **factory_kwargs)
        self.conv1d = nn.Conv1d(in_channels=self.d_inner, out_channels=self.d_inner, bias=conv_bias,
                                kernel_size=d_conv, groups=self.d_inner, padding=d_conv - 1, **factory_kwargs)
        self.activation = "silu"
        self.act = nn.SiLU()
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + self.d_state * 2, bias=False, **factory_kwargs)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True, **factory_kwargs)
        # Initialize special dt projection to preserve variance at initialization
        dt_init_std = self.dt_rank ** -0.5 * dt_scale
        if dt_init == "constant":
            nn.init.constant_(self.dt_proj.weight, dt_init_std)
        elif dt_init == "random":
            nn.init.uniform_(self.dt_proj.weight, -dt_init_std, dt_init_std)
        else:
            raise NotImplementedError
        # Initialize dt bias so that F.softplus(dt_bias) is between dt_min and dt_max
        dt = torch.exp(
            torch.rand(self.d_inner, **factory_kwargs) * (math.log(dt_max) - math.log(dt_min))
            + math.log(dt_min)
        ).clamp(min=dt_init_floor)
        # Inverse of softplus: https://github.com/pytorch/pytorch/issues/72759
        inv_dt = dt + torch.log(-torch.expm1(-dt))
        with torch.no_grad():
            self.dt_proj.bias.copy_(inv_dt)
        # Our initialization would set all Linear.bias to zero, need to mark this one as _no_reinit
        self.dt_proj.bias._no_reinit = True
        # S4D real initialization
        A = torch.arange(1, self.d_state + 1, dtype=torch.float32, device=device).unsqueeze(0).repeat(
            self.d_inner, 1).contiguous()  # repeat(arange(...), "n -> d n", d=self.d_inner).contiguous()
        A_log = torch.log(A)  # Keep A_log in fp32
        self.A_log = nn.Parameter(A_log)
        self.A_log._no_weight_decay = True
        # D "skip" parameter
        self.D = nn.Parameter(torch.ones(self.d_inner, device=device))  # Keep in fp32
        self.D._no_weight_decay = True
        self.out_proj = nn.Linear(self.d_inner, self.d_model, bias=bias, **factory_kwargs)

    def forward(self, hidden_states):
        batch, seqlen, dim = hidden_states.shape
        # xz = rearrange(self.in_proj.weight @ rearrange(hidden_states, "b l d -> d (b l)"), "d (b l) -> b d l", l=seqlen)
        xz = (self.in_proj.weight @ hidden_states.permute(2, 0, 1).reshape(dim, batch * seqlen)) \
            .reshape(-1, batch, seqlen).permute(1, 0, 2)
        if self.in_proj.bias is not None:
            xz = xz + self.in_proj.bias.to(dtype=xz.dtype).unsqueeze(-1)
        A = -torch.exp(self.A_log.float())  # (d_inner, d_state)
        x, z = xz.chunk(2, dim=1)
        x = self.act(self.conv1d(x)[..., :seqlen])
        # x_dbl = self.x_proj(rearrange(x, "b d l -> (b l) d"))
        x_dbl = self.x_proj(x.permute(0, 2, 1).reshape(batch * seqlen, -1))  # (bl d)
        dt, B, C = torch.split(x_dbl, [self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = self.dt_proj.weight @ dt.t()
        dt = dt.reshape(-1, batch, seqlen).permute(1, 0, 2)  # rearrange(dt, "d (b l) -> b d l", l=seqlen)
        B = B.reshape(batch, seqlen, -1).permute(0, 2, 1).contiguous()  # "(b l) dstate -> b dstate l"
        C = C.reshape(batch, seqlen, -1).permute(0, 2, 1).contiguous()
        y = selective_scan_ref(x, dt, A, B, C, self.D.float(), z=z, delta_bias=self.dt_proj.bias.float(),
                               delta_softplus=True)
        y = y.permute(0, 2, 1)  # rearrange(y, "b d l -> b l d")
        out = self.out_proj(y)
        return out

    def step(self, hidden_states, conv_state, ssm_state):
        dtype = hidden_states.dtype
        assert hidden_states.shape[1] == 1, "Only support decoding with 1 token at a time for now"
        xz = self.in_proj(hidden_states.squeeze(1))  # (B 2D)
        x, z = xz.chunk(2, dim=-1)  # (B D)
        # Conv step
        conv_state.copy_(torch.roll(conv_state, shifts=-1, dims=-1))  # Update state (B D W)
        conv_state[:, :, -1] = x
        x = torch.sum(conv_state * self.conv1d.weight.squeeze(1), dim=-1)  # rearrange(w, "d 1 w -> d w")
        if self.conv1d.bias is not None:
            x = x + self.conv1d.bias
        x = self.act(x).to(dtype=dtype)
        x_db = self.x_proj(x)  # (B dt_rank+2*d_state)
        dt, B, C = torch.split(x_db, [self.dt_rank, self.d_state, self.d_state], dim=-1)
        # Don't add dt_bias here
        dt = F.linear(dt, self.dt_proj.weight)  # (B d_inner)
        A = -torch.exp(self.A_log.float())  # (d_inner, d_state)
        # SSM step
        # Discretize A and B
        dt = F.softplus(dt + self.dt_proj.bias.to(dtype=dt.dtype))
        dA = torch.exp(torch.einsum("bd,dn->bdn", dt, A))
        dB = torch.einsum("bd,bn->bdn", dt, B)
        ssm_state.copy_(ssm_state * dA + x.unsqueeze(-1) * dB)  # rearrange(x, "b d -> b d 1")
        y = torch.einsum("bdn,bn->bd", ssm_state.to(dtype), C)
        y = y + self.D.to(dtype) * x
        y = y * self.act(z)  # (B D)
        out = self.out_proj(y)
        return out.unsqueeze(1), conv_state, ssm_state


torch.set_default_dtype(torch.float32)
mamba = Mamba(d_model=4, d_state=4, d_conv=3, expand=2)
torch.set_default_dtype(torch.float64)
save_state("mamba.init.", mamba)
m_x = torch.randn(2, 6, 4, dtype=f32)
m_t = torch.randn(2, 6, 4, dtype=f32)
out["mamba.x"] = m_x
out["mamba.target"] = m_t
no_decay = [p for n, p in mamba.named_parameters() if getattr(p, "_no_weight_decay", False)]
decay = [p for n, p in mamba.named_parameters() if not getattr(p, "_no_weight_decay", False)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=1e-2)
losses = []
for step in range(3):
    opt.zero_grad()
    y = mamba(m_x)
    loss = F.mse_loss(y, m_t)
    loss.backward()
    if step == 0:
        out["mamba.out0"] = y.detach().clone()
        save_grads("mamba.grad0.", mamba)
    opt.step()
    losses.append(loss.item())
out["mamba.loss"] = torch.tensor(losses)
save_params("mamba.final.", mamba)
with torch.no_grad():
    out["mamba.forward"] = mamba(m_x)
    conv_state = torch.zeros(2, mamba.d_inner, mamba.d_conv, dtype=f32)
    ssm_state = torch.zeros(2, mamba.d_inner, mamba.d_state, dtype=f32)
    steps = []
    for t in range(m_x.shape[1]):
        o, conv_state, ssm_state = mamba.step(m_x[:, t:t + 1], conv_state, ssm_state)
        steps.append(o)
    out["mamba.steps"] = torch.cat(steps, 1)
    out["mamba.conv_state"] = conv_state
    out["mamba.ssm_state"] = ssm_state


# 4. Optimizers written outside PyTorch --------------------------------------------------------------------------------
def exists(val):
    return val is not None


def update_fn(p, grad, exp_avg, lr, wd, beta1, beta2):
    """lucidrains/lion-pytorch lion_pytorch.py."""
    # stepweight decay
    p.data.mul_(1. - lr * wd)
    # weight update
    update = exp_avg.clone().mul_(beta1).add(grad, alpha=1. - beta1).sign_()
    p.add_(update, alpha=-lr)
    # decay the momentum running average coefficient
    exp_avg.mul_(beta2).add_(grad, alpha=1. - beta2)


class Lion(Optimizer):
    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, use_triton=False,
                 decoupled_weight_decay=False):
        assert lr > 0.
        assert all([0. <= beta <= 1. for beta in betas])
        self._init_lr = lr
        self.decoupled_wd = decoupled_weight_decay
        defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay)
        super().__init__(params, defaults)
        self.update_fn = update_fn

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if exists(closure):
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in filter(lambda p: exists(p.grad), group['params']):
                grad, lr, wd, beta1, beta2, state, decoupled_wd, init_lr = p.grad, group['lr'], group[
                    'weight_decay'], *group['betas'], self.state[p], self.decoupled_wd, self._init_lr
                # maybe decoupled weight decay
                if decoupled_wd:
                    wd /= init_lr
                # init state - exponential moving average of gradient values
                if len(state) == 0:
                    state['exp_avg'] = torch.zeros_like(p)
                exp_avg = state['exp_avg']
                self.update_fn(p, grad, exp_avg, lr, wd, beta1, beta2)
        return loss


class Lamb(Optimizer):
    """cybertronai/pytorch-lamb lamb.py (add_ and addcmul_ in today's keyword form)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0, adam=False):
        if not 0.0 <= lr:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if not 0.0 <= eps:
            raise ValueError("Invalid epsilon value: {}".format(eps))
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError("Invalid beta parameter at index 0: {}".format(betas[0]))
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError("Invalid beta parameter at index 1: {}".format(betas[1]))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        self.adam = adam
        super(Lamb, self).__init__(params, defaults)

    def step(self, closure=None):
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.is_sparse:
                    raise RuntimeError('Lamb does not support sparse gradients, consider SparseAdam instad.')
                state = self.state[p]
                # State initialization
                if len(state) == 0:
                    state['step'] = 0
                    # Exponential moving average of gradient values
                    state['exp_avg'] = torch.zeros_like(p.data)
                    # Exponential moving average of squared gradient values
                    state['exp_avg_sq'] = torch.zeros_like(p.data)
                exp_avg, exp_avg_sq = state['exp_avg'], state['exp_avg_sq']
                beta1, beta2 = group['betas']
                state['step'] += 1
                # Decay the first and second moment running average coefficient
                # m_t
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                # v_t
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                # Paper v3 does not use debiasing.
                # Apply bias to lr to avoid broadcast.
                step_size = group['lr']  # * math.sqrt(bias_correction2) / bias_correction1
                weight_norm = p.data.pow(2).sum().sqrt().clamp(0, 10)
                adam_step = exp_avg / exp_avg_sq.sqrt().add(group['eps'])
                if group['weight_decay'] != 0:
                    adam_step.add_(p.data, alpha=group['weight_decay'])
                adam_norm = adam_step.pow(2).sum().sqrt()
                if weight_norm == 0 or adam_norm == 0:
                    trust_ratio = 1
                else:
                    trust_ratio = weight_norm / adam_norm
                state['weight_norm'] = weight_norm
                state['adam_norm'] = adam_norm
                state['trust_ratio'] = trust_ratio
                if self.adam:
                    trust_ratio = 1
                p.data.add_(adam_step, alpha=-step_size * float(trust_ratio))
        return loss


class Adafactor(Optimizer):
    """huggingface/transformers optimization.py's Adafactor (fairseq's port)."""

    def __init__(self, params, lr=None, eps=(1e-30, 1e-3), clip_threshold=1.0, decay_rate=-0.8, beta1=None,
                 weight_decay=0.0, scale_parameter=True, relative_step=True, warmup_init=False):
        if lr is not None and relative_step:
            raise ValueError("Cannot combine manual `lr` and `relative_step=True` options")
        if warmup_init and not relative_step:
            raise ValueError("`warmup_init=True` requires `relative_step=True`")
        defaults = {"lr": lr, "eps": eps, "clip_threshold": clip_threshold, "decay_rate": decay_rate, "beta1": beta1,
                    "weight_decay": weight_decay, "scale_parameter": scale_parameter, "relative_step": relative_step,
                    "warmup_init": warmup_init}
        super().__init__(params, defaults)

    @staticmethod
    def _get_lr(param_group, param_state):
        rel_step_sz = param_group["lr"]
        if param_group["relative_step"]:
            min_step = 1e-6 * param_state["step"] if param_group["warmup_init"] else 1e-2
            rel_step_sz = min(min_step, 1.0 / math.sqrt(param_state["step"]))
        param_scale = 1.0
        if param_group["scale_parameter"]:
            param_scale = max(param_group["eps"][1], param_state["RMS"])
        return param_scale * rel_step_sz

    @staticmethod
    def _get_options(param_group, param_shape):
        factored = len(param_shape) >= 2
        use_first_moment = param_group["beta1"] is not None
        return factored, use_first_moment

    @staticmethod
    def _rms(tensor):
        return tensor.norm(2) / (tensor.numel() ** 0.5)

    @staticmethod
    def _approx_sq_grad(exp_avg_sq_row, exp_avg_sq_col):
        # copy from fairseq's adafactor implementation:
        # https://github.com/huggingface/transformers/blob/8395f14de6068012787d83989c3627c3df6a252b/src/transformers/optimization.py#L505
        r_factor = (exp_avg_sq_row / exp_avg_sq_row.mean(dim=-1, keepdim=True)).rsqrt_().unsqueeze(-1)
        c_factor = exp_avg_sq_col.unsqueeze(-2).rsqrt()
        return torch.mul(r_factor, c_factor)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if grad.dtype in {torch.float16, torch.bfloat16}:
                    grad = grad.float()
                if grad.is_sparse:
                    raise RuntimeError("Adafactor does not support sparse gradients.")
                state = self.state[p]
                grad_shape = grad.shape
                factored, use_first_moment = self._get_options(group, grad_shape)
                # State Initialization
                if len(state) == 0:
                    state["step"] = 0
                    if use_first_moment:
                        # Exponential moving average of gradient values
                        state["exp_avg"] = torch.zeros_like(grad)
                    if factored:
                        state["exp_avg_sq_row"] = torch.zeros(grad_shape[:-1]).to(grad)
                        state["exp_avg_sq_col"] = torch.zeros(grad_shape[:-2] + grad_shape[-1:]).to(grad)
                    else:
                        state["exp_avg_sq"] = torch.zeros_like(grad)
                    state["RMS"] = 0
                else:
                    if use_first_moment:
                        state["exp_avg"] = state["exp_avg"].to(grad)
                    if factored:
                        state["exp_avg_sq_row"] = state["exp_avg_sq_row"].to(grad)
                        state["exp_avg_sq_col"] = state["exp_avg_sq_col"].to(grad)
                    else:
                        state["exp_avg_sq"] = state["exp_avg_sq"].to(grad)
                p_data_fp32 = p
                if p.dtype in {torch.float16, torch.bfloat16}:
                    p_data_fp32 = p_data_fp32.float()
                state["step"] += 1
                state["RMS"] = self._rms(p_data_fp32)
                lr = self._get_lr(group, state)
                beta2t = 1.0 - math.pow(state["step"], group["decay_rate"])
                update = (grad ** 2) + group["eps"][0]
                if factored:
                    exp_avg_sq_row = state["exp_avg_sq_row"]
                    exp_avg_sq_col = state["exp_avg_sq_col"]
                    exp_avg_sq_row.mul_(beta2t).add_(update.mean(dim=-1), alpha=(1.0 - beta2t))
                    exp_avg_sq_col.mul_(beta2t).add_(update.mean(dim=-2), alpha=(1.0 - beta2t))
                    # Approximation of exponential moving average of square of gradient
                    update = self._approx_sq_grad(exp_avg_sq_row, exp_avg_sq_col)
                    update.mul_(grad)
                else:
                    exp_avg_sq = state["exp_avg_sq"]
                    exp_avg_sq.mul_(beta2t).add_(update, alpha=(1.0 - beta2t))
                    update = exp_avg_sq.rsqrt().mul_(grad)
                update.div_((self._rms(update) / group["clip_threshold"]).clamp_(min=1.0))
                update.mul_(lr)
                if use_first_moment:
                    exp_avg = state["exp_avg"]
                    exp_avg.mul_(group["beta1"]).add_(update, alpha=(1 - group["beta1"]))
                    update = exp_avg
                if group["weight_decay"] != 0:
                    p_data_fp32.add_(p_data_fp32, alpha=(-group["weight_decay"] * lr))
                p_data_fp32.add_(-update)
                if p.dtype in {torch.float16, torch.bfloat16}:
                    p.copy_(p_data_fp32)
        return loss


def mlp():
    return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))


opt_x = torch.randn(8, 4)
opt_y = torch.randn(8, 3)
out["opt.x"] = opt_x
out["opt.y"] = opt_y
opt_init = mlp()
save_state("opt.init.", opt_init)
optimizers = {
    "lion": lambda ps: Lion(ps, lr=1e-2, weight_decay=0.1),
    "lion_decoupled": lambda ps: Lion(ps, lr=1e-2, betas=(0.95, 0.98), weight_decay=1e-3,
                                      decoupled_weight_decay=True),
    "lamb": lambda ps: Lamb(ps, lr=0.05, weight_decay=0.01),
    "adafactor": lambda ps: Adafactor(ps),
    "adafactor_fixed": lambda ps: Adafactor(ps, lr=1e-2, beta1=0.9, weight_decay=0.01, scale_parameter=False,
                                            relative_step=False),
}
for name, make in optimizers.items():
    model = mlp()
    model.load_state_dict(opt_init.state_dict())
    opt = make(model.parameters())
    losses = []
    for step in range(4):
        if step == 2 and name in ("lion", "lamb", "adafactor", "adafactor_fixed"):
            # a mid-run checkpoint as users write it, for Ember to continue from
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, name + "_mid.pt")
        opt.zero_grad()
        loss = F.mse_loss(model(opt_x), opt_y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out["opt." + name + ".loss"] = torch.tensor(losses)
    save_params("opt." + name + ".final.", model)
    st = opt.state[model[0].weight]
    for k, v in st.items():
        out["opt." + name + ".state0." + k] = v.clone() if torch.is_tensor(v) else torch.tensor(float(v))


# 5. Glow as rosinality/glow-pytorch (model.py, train.py's calc_loss and loop), in float32 as it runs ------------------
from math import log, pi

logabs = lambda x: torch.log(torch.abs(x))


class ActNorm(nn.Module):
    def __init__(self, in_channel, logdet=True):
        super().__init__()
        self.loc = nn.Parameter(torch.zeros(1, in_channel, 1, 1))
        self.scale = nn.Parameter(torch.ones(1, in_channel, 1, 1))
        self.register_buffer("initialized", torch.tensor(0, dtype=torch.uint8))
        self.logdet = logdet

    def initialize(self, input):
        with torch.no_grad():
            flatten = input.permute(1, 0, 2, 3).contiguous().view(input.shape[1], -1)
            mean = (flatten.mean(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3))
            std = (flatten.std(1).unsqueeze(1).unsqueeze(2).unsqueeze(3).permute(1, 0, 2, 3))
            self.loc.data.copy_(-mean)
            self.scale.data.copy_(1 / (std + 1e-6))

    def forward(self, input):
        _, _, height, width = input.shape
        if self.initialized.item() == 0:
            self.initialize(input)
            self.initialized.fill_(1)
        log_abs = logabs(self.scale)
        logdet = height * width * torch.sum(log_abs)
        if self.logdet:
            return self.scale * (input + self.loc), logdet
        else:
            return self.scale * (input + self.loc)

    def reverse(self, output):
        return output / self.scale - self.loc


glow_draws = []


class InvConv2dLU(nn.Module):
    def __init__(self, in_channel):
        super().__init__()
        # weight = np.random.randn(in_channel, in_channel); q, _ = la.qr(weight)
        # w_p, w_l, w_u = la.lu(q.astype(np.float32)): torch's QR and LU here (scipy is not installed), same P L U
        weight = torch.randn(in_channel, in_channel, dtype=torch.float64)
        glow_draws.append(weight.clone())
        q, _ = torch.linalg.qr(weight)
        w_p, w_l, w_u = torch.linalg.lu(q.float())
        w_s = torch.diag(w_u)
        w_u = torch.triu(w_u, 1)
        u_mask = torch.triu(torch.ones_like(w_u), 1)
        l_mask = u_mask.T
        self.register_buffer("w_p", w_p)
        self.register_buffer("u_mask", u_mask)
        self.register_buffer("l_mask", l_mask)
        self.register_buffer("s_sign", torch.sign(w_s))
        self.register_buffer("l_eye", torch.eye(l_mask.shape[0]))
        self.w_l = nn.Parameter(w_l)
        self.w_s = nn.Parameter(logabs(w_s))
        self.w_u = nn.Parameter(w_u)

    def forward(self, input):
        _, _, height, width = input.shape
        weight = self.calc_weight()
        out = F.conv2d(input, weight)
        logdet = height * width * torch.sum(self.w_s)
        return out, logdet

    def calc_weight(self):
        weight = (
                self.w_p
                @ (self.w_l * self.l_mask + self.l_eye)
                @ ((self.w_u * self.u_mask) + torch.diag(self.s_sign * torch.exp(self.w_s)))
        )
        return weight.unsqueeze(2).unsqueeze(3)

    def reverse(self, output):
        weight = self.calc_weight()
        return F.conv2d(output, weight.squeeze().inverse().unsqueeze(2).unsqueeze(3))


class ZeroConv2d(nn.Module):
    def __init__(self, in_channel, out_channel, padding=1):
        super().__init__()
        self.conv = nn.Conv2d(in_channel, out_channel, 3, padding=0)
        self.conv.weight.data.zero_()
        self.conv.bias.data.zero_()
        self.scale = nn.Parameter(torch.zeros(1, out_channel, 1, 1))

    def forward(self, input):
        out = F.pad(input, [1, 1, 1, 1], value=1)
        out = self.conv(out)
        out = out * torch.exp(self.scale * 3)
        return out


class AffineCoupling(nn.Module):
    def __init__(self, in_channel, filter_size=512, affine=True):
        super().__init__()
        self.affine = affine
        self.net = nn.Sequential(
            nn.Conv2d(in_channel // 2, filter_size, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(filter_size, filter_size, 1),
            nn.ReLU(inplace=True),
            ZeroConv2d(filter_size, in_channel if self.affine else in_channel // 2),
        )
        self.net[0].weight.data.normal_(0, 0.05)
        self.net[0].bias.data.zero_()
        self.net[2].weight.data.normal_(0, 0.05)
        self.net[2].bias.data.zero_()

    def forward(self, input):
        in_a, in_b = input.chunk(2, 1)
        if self.affine:
            log_s, t = self.net(in_a).chunk(2, 1)
            # s = torch.exp(log_s)
            s = F.sigmoid(log_s + 2)
            # out_a = s * in_a + t
            out_b = (in_b + t) * s
            logdet = torch.sum(torch.log(s).view(input.shape[0], -1), 1)
        else:
            net_out = self.net(in_a)
            out_b = in_b + net_out
            logdet = None
        return torch.cat([in_a, out_b], 1), logdet

    def reverse(self, output):
        out_a, out_b = output.chunk(2, 1)
        if self.affine:
            log_s, t = self.net(out_a).chunk(2, 1)
            # s = torch.exp(log_s)
            s = F.sigmoid(log_s + 2)
            # in_a = (out_a - t) / s
            in_b = out_b / s - t
        else:
            net_out = self.net(out_a)
            in_b = out_b - net_out
        return torch.cat([out_a, in_b], 1)


class Flow(nn.Module):
    # filter_size passed through (the reference's Flow builds AffineCoupling's default 512 filters; 16 here)
    def __init__(self, in_channel, affine=True, conv_lu=True, filter_size=16):
        super().__init__()
        self.actnorm = ActNorm(in_channel)
        self.invconv = InvConv2dLU(in_channel)
        self.coupling = AffineCoupling(in_channel, filter_size=filter_size, affine=affine)

    def forward(self, input):
        out, logdet = self.actnorm(input)
        out, det1 = self.invconv(out)
        out, det2 = self.coupling(out)
        logdet = logdet + det1
        if det2 is not None:
            logdet = logdet + det2
        return out, logdet

    def reverse(self, output):
        input = self.coupling.reverse(output)
        input = self.invconv.reverse(input)
        input = self.actnorm.reverse(input)
        return input


def gaussian_log_p(x, mean, log_sd):
    return -0.5 * log(2 * pi) - log_sd - 0.5 * (x - mean) ** 2 / torch.exp(2 * log_sd)


def gaussian_sample(eps, mean, log_sd):
    return mean + torch.exp(log_sd) * eps


class Block(nn.Module):
    def __init__(self, in_channel, n_flow, split=True, affine=True, conv_lu=True):
        super().__init__()
        squeeze_dim = in_channel * 4
        self.flows = nn.ModuleList()
        for i in range(n_flow):
            self.flows.append(Flow(squeeze_dim, affine=affine, conv_lu=conv_lu))
        self.split = split
        if split:
            self.prior = ZeroConv2d(in_channel * 2, in_channel * 4)
        else:
            self.prior = ZeroConv2d(in_channel * 4, in_channel * 8)

    def forward(self, input):
        b_size, n_channel, height, width = input.shape
        squeezed = input.view(b_size, n_channel, height // 2, 2, width // 2, 2)
        squeezed = squeezed.permute(0, 1, 3, 5, 2, 4)
        out = squeezed.contiguous().view(b_size, n_channel * 4, height // 2, width // 2)
        logdet = 0
        for flow in self.flows:
            out, det = flow(out)
            logdet = logdet + det
        if self.split:
            out, z_new = out.chunk(2, 1)
            mean, log_sd = self.prior(out).chunk(2, 1)
            log_p = gaussian_log_p(z_new, mean, log_sd)
            log_p = log_p.view(b_size, -1).sum(1)
        else:
            zero = torch.zeros_like(out)
            mean, log_sd = self.prior(zero).chunk(2, 1)
            log_p = gaussian_log_p(out, mean, log_sd)
            log_p = log_p.view(b_size, -1).sum(1)
            z_new = out
        return out, logdet, log_p, z_new

    def reverse(self, output, eps=None, reconstruct=False):
        input = output
        if reconstruct:
            if self.split:
                input = torch.cat([output, eps], 1)
            else:
                input = eps
        else:
            if self.split:
                mean, log_sd = self.prior(input).chunk(2, 1)
                z = gaussian_sample(eps, mean, log_sd)
                input = torch.cat([output, z], 1)
            else:
                zero = torch.zeros_like(input)
                mean, log_sd = self.prior(zero).chunk(2, 1)
                z = gaussian_sample(eps, mean, log_sd)
                input = z
        for flow in self.flows[::-1]:
            input = flow.reverse(input)
        b_size, n_channel, height, width = input.shape
        unsqueezed = input.view(b_size, n_channel // 4, 2, 2, height, width)
        unsqueezed = unsqueezed.permute(0, 1, 4, 2, 5, 3)
        unsqueezed = unsqueezed.contiguous().view(b_size, n_channel // 4, height * 2, width * 2)
        return unsqueezed


class Glow(nn.Module):
    def __init__(self, in_channel, n_flow, n_block, affine=True, conv_lu=True):
        super().__init__()
        self.blocks = nn.ModuleList()
        n_channel = in_channel
        for i in range(n_block - 1):
            self.blocks.append(Block(n_channel, n_flow, affine=affine, conv_lu=conv_lu))
            n_channel *= 2
        self.blocks.append(Block(n_channel, n_flow, split=False, affine=affine))

    def forward(self, input):
        log_p_sum = 0
        logdet = 0
        out = input
        z_outs = []
        for block in self.blocks:
            out, det, log_p, z_new = block(out)
            z_outs.append(z_new)
            logdet = logdet + det
            if log_p is not None:
                log_p_sum = log_p_sum + log_p
        return log_p_sum, logdet, z_outs

    def reverse(self, z_list, reconstruct=False):
        for i, block in enumerate(self.blocks[::-1]):
            if i == 0:
                input = block.reverse(z_list[-1], z_list[-1], reconstruct=reconstruct)
            else:
                input = block.reverse(input, z_list[-(i + 1)], reconstruct=reconstruct)
        return input


def calc_loss(log_p, logdet, image_size, n_bins):
    # log_p = calc_log_p([z_list])
    n_pixel = image_size * image_size * 3
    loss = -log(n_bins) * n_pixel
    loss = loss + logdet + log_p
    return (
        (-loss / (log(2) * n_pixel)).mean(),
        (log_p / (log(2) * n_pixel)).mean(),
        (logdet / (log(2) * n_pixel)).mean(),
    )


torch.set_default_dtype(torch.float32)
glow = Glow(3, 2, 2, affine=True, conv_lu=True)
# the zero-initialized ZeroConv2d's weights perturbed, so that every gradient is exercised from the first step
with torch.no_grad():
    for n, prm in glow.named_parameters():
        if "net.4" in n or "prior" in n:
            prm.add_(0.01 * torch.randn_like(prm))
save_state("glow.init.", glow)
for i, w in enumerate(glow_draws):
    out["glow.invconv_draw.%d" % i] = w
n_bits, img_size = 5, 8
n_bins = 2.0 ** n_bits
glow_opt = torch.optim.Adam(glow.parameters(), lr=1e-3)
glow_images = torch.rand(4, 3, img_size, img_size)
glow_noise = [torch.rand(4, 3, img_size, img_size) for _ in range(4)]
out["glow.images"] = glow_images
out["glow.noise"] = torch.stack(glow_noise)
glow_losses = []
for i in range(4):
    image = glow_images * 255
    if n_bits < 8:
        image = torch.floor(image / 2 ** (8 - n_bits))
    image = image / n_bins - 0.5
    if i == 0:
        with torch.no_grad():
            log_p, logdet, _ = glow(image + glow_noise[i] / n_bins)
            save_state("glow.initialized.", glow)
            continue
    else:
        log_p, logdet, _ = glow(image + glow_noise[i] / n_bins)
    logdet = logdet.mean()
    loss, log_p, log_det = calc_loss(log_p, logdet, img_size, n_bins)
    glow.zero_grad()
    loss.backward()
    if i == 1:
        save_grads("glow.grad0.", glow)
    glow_opt.param_groups[0]["lr"] = 1e-3
    glow_opt.step()
    glow_losses.append([loss.item(), log_p.item(), log_det.item()])
out["glow.losses"] = torch.tensor(glow_losses, dtype=torch.float32)
save_state("glow.final.", glow)
with torch.no_grad():
    glow_x = glow_images / n_bins - 0.5
    _, _, z_outs = glow(glow_x)
    out["glow.z0"] = z_outs[0]
    out["glow.z1"] = z_outs[1]
    out["glow.reconstructed"] = glow.reverse(z_outs, reconstruct=True)
    out["glow.sampled"] = glow.reverse([0.7 * z for z in z_outs])
torch.set_default_dtype(torch.float64)


# grad_fn names of the programs' ops, and print(...) of their modules ---------------------------------------------------
texts = {}
gw = torch.randn(2, 3, 4, requires_grad=True)
texts["straight_through"] = (gw + (gw * 2 - gw).detach()).grad_fn.name()
texts["permute_contiguous"] = gw.permute(0, 2, 1).contiguous().grad_fn.name()
texts["softplus"] = F.softplus(gw).grad_fn.name()
texts["silu"] = F.silu(gw).grad_fn.name()
texts["view_as_complex"] = torch.view_as_complex(gw.unflatten(-1, (-1, 2))).grad_fn.name()
texts["unflatten"] = gw.unflatten(-1, (-1, 2)).grad_fn.name()
texts["real"] = torch.view_as_complex(gw.unflatten(-1, (-1, 2))).real.grad_fn.name()
texts["repeat_interleave"] = gw.repeat_interleave(2, dim=1).grad_fn.name()
texts["chunk"] = gw.chunk(2, dim=1)[0].grad_fn.name()
texts["split_sizes"] = torch.split(gw, [1, 3], dim=-1)[1].grad_fn.name()
texts["roll"] = torch.roll(gw, shifts=-1, dims=-1).grad_fn.name()
texts["stack"] = torch.stack([gw[:, :, 0], gw[:, :, 1]], dim=2).grad_fn.name()
texts["slice_last"] = gw[..., :3].grad_fn.name()
texts["to_float32"] = gw.to(dtype=torch.float32).grad_fn.name()
texts["clamp_both"] = gw.pow(2).sum().sqrt().clamp(0, 10).grad_fn.name()
texts["sign"] = gw.sign().grad_fn.name()
texts["mse"] = F.mse_loss(gw, gw.detach() + 1).grad_fn.name()
texts["repr_residual_stack"] = repr(ResidualStack(8, 8, 2, 4))
texts["repr_conv1d"] = repr(mamba.conv1d)
texts["repr_conv_trans"] = repr(nn.ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1))
texts["repr_lion"] = repr(Lion(mlp().parameters(), lr=1e-2))
texts["repr_lamb"] = repr(Lamb(mlp().parameters()))
texts["repr_adafactor"] = repr(Adafactor(mlp().parameters()))
texts["repr_adafactor_fixed"] = repr(Adafactor(mlp().parameters(), lr=1e-2, beta1=0.9, weight_decay=0.01,
                                               scale_parameter=False, relative_step=False))

# 6. Performer (lucidrains/performer-pytorch) and CapsNet (gram-ai/capsule-networks), float64 -------------------------
torch.manual_seed(611)
perf_blocks = []


def orthogonal_matrix_chunk(cols, device=None):
    unstructured_block = torch.randn((cols, cols), device=device)
    perf_blocks.append(unstructured_block.clone())
    q, r = torch.linalg.qr(unstructured_block.cpu(), mode='reduced')
    q, r = map(lambda t: t.to(device), (q, r))
    return q.t()


def gaussian_orthogonal_random_matrix(nb_rows, nb_columns, scaling=0, device=None):
    nb_full_blocks = int(nb_rows / nb_columns)
    block_list = []
    for _ in range(nb_full_blocks):
        q = orthogonal_matrix_chunk(nb_columns, device=device)
        block_list.append(q)
    remaining_rows = nb_rows - nb_full_blocks * nb_columns
    if remaining_rows > 0:
        q = orthogonal_matrix_chunk(nb_columns, device=device)
        block_list.append(q[:remaining_rows])
    final_matrix = torch.cat(block_list)
    if scaling == 0:
        multiplier = torch.randn((nb_rows, nb_columns), device=device).norm(dim=1)
    elif scaling == 1:
        multiplier = math.sqrt((float(nb_columns))) * torch.ones((nb_rows,), device=device)
    else:
        raise ValueError(f'Invalid scaling {scaling}')
    return torch.diag(multiplier) @ final_matrix


def softmax_kernel(data, *, projection_matrix, is_query, normalize_data=True, eps=1e-4, device=None):
    b, h, *_ = data.shape
    data_normalizer = (data.shape[-1] ** -0.25) if normalize_data else 1.
    ratio = (projection_matrix.shape[0] ** -0.5)
    projection = projection_matrix.expand(b, h, *projection_matrix.shape)  # repeat(.., 'j d -> b h j d', b=b, h=h)
    projection = projection.type_as(data)
    data_dash = torch.einsum('...id,...jd->...ij', (data_normalizer * data), projection)
    diag_data = data ** 2
    diag_data = torch.sum(diag_data, dim=-1)
    diag_data = (diag_data / 2.0) * (data_normalizer ** 2)
    diag_data = diag_data.unsqueeze(dim=-1)
    if is_query:
        data_dash = ratio * (
                torch.exp(data_dash - diag_data -
                          torch.amax(data_dash, dim=-1, keepdim=True).detach()) + eps)
    else:
        data_dash = ratio * (
                torch.exp(data_dash - diag_data - torch.amax(data_dash, dim=(-1, -2), keepdim=True).detach()) + eps)
    return data_dash.type_as(data)


def generalized_kernel(data, *, projection_matrix, kernel_fn=nn.ReLU(), kernel_epsilon=0.001, normalize_data=True,
                       device=None):
    b, h, *_ = data.shape
    data_normalizer = (data.shape[-1] ** -0.25) if normalize_data else 1.
    if projection_matrix is None:
        return kernel_fn(data_normalizer * data) + kernel_epsilon
    projection = projection_matrix.expand(b, h, *projection_matrix.shape)
    projection = projection.type_as(data)
    data_dash = torch.einsum('...id,...jd->...ij', (data_normalizer * data), projection)
    data_prime = kernel_fn(data_dash) + kernel_epsilon
    return data_prime.type_as(data)


def linear_attention(q, k, v):
    k_cumsum = k.sum(dim=-2)
    D_inv = 1. / torch.einsum('...nd,...d->...n', q, k_cumsum.type_as(q))
    context = torch.einsum('...nd,...ne->...de', k, v)
    out = torch.einsum('...de,...nd,...n->...ne', context, q, D_inv)
    return out


def causal_linear_attention_noncuda(q, k, v, chunk_size=128, eps=1e-6):
    last_k_cumsum = 0
    last_ctx_cumsum = 0
    outs = []
    for q, k, v in zip(*map(lambda t: t.chunk(chunk_size, dim=-2), (q, k, v))):
        k_cumsum = last_k_cumsum + k.cumsum(dim=-2)
        D_inv = 1. / torch.einsum('...nd,...nd->...n', q, k_cumsum.type_as(q) + eps)
        context = torch.einsum('...nd,...ne->...nde', k, v)
        context_cumsum = last_ctx_cumsum + context.cumsum(dim=-3)
        out = torch.einsum('...nde,...nd,...n->...ne', context_cumsum, q, D_inv)
        last_k_cumsum = k_cumsum[:, :, -1:]
        last_ctx_cumsum = context_cumsum[:, :, -1:]
        outs.append(out)
    return torch.cat(outs, dim=-2)


class FastAttention(nn.Module):
    def __init__(self, dim_heads, nb_features=None, ortho_scaling=0, causal=False, generalized_attention=False,
                 kernel_fn=nn.ReLU(), no_projection=False):
        super().__init__()
        nb_features = nb_features if nb_features is not None else int(dim_heads * math.log(dim_heads))
        self.dim_heads = dim_heads
        self.nb_features = nb_features
        self.ortho_scaling = ortho_scaling
        projection_matrix = gaussian_orthogonal_random_matrix(nb_rows=self.nb_features, nb_columns=dim_heads,
                                                              scaling=ortho_scaling)
        self.register_buffer('projection_matrix', projection_matrix)
        self.generalized_attention = generalized_attention
        self.kernel_fn = kernel_fn
        self.no_projection = no_projection
        self.causal = causal
        # chunk_size 2 (the reference's 128) so that the causal path runs over several chunks
        self.causal_linear_fn = lambda q, k, v: causal_linear_attention_noncuda(q, k, v, chunk_size=4)

    def forward(self, q, k, v):
        if self.generalized_attention:
            create_kernel = lambda t: generalized_kernel(t, kernel_fn=self.kernel_fn,
                                                         projection_matrix=self.projection_matrix)
            q, k = map(create_kernel, (q, k))
        else:
            q = softmax_kernel(q, projection_matrix=self.projection_matrix, is_query=True)
            k = softmax_kernel(k, projection_matrix=self.projection_matrix, is_query=False)
        attn_fn = linear_attention if not self.causal else self.causal_linear_fn
        out = attn_fn(q, k, v)
        return out


class PerformerSelfAttention(nn.Module):
    def __init__(self, dim, causal=False, heads=2, dim_head=4, generalized_attention=False):
        super().__init__()
        inner_dim = dim_head * heads
        self.fast_attention = FastAttention(dim_head, causal=causal, generalized_attention=generalized_attention)
        self.heads = heads
        self.to_q = nn.Linear(dim, inner_dim, bias=False)
        self.to_k = nn.Linear(dim, inner_dim, bias=False)
        self.to_v = nn.Linear(dim, inner_dim, bias=False)
        self.to_out = nn.Linear(inner_dim, dim)

    def forward(self, x):
        b, n, _, h = *x.shape, self.heads
        q, k, v = self.to_q(x), self.to_k(x), self.to_v(x)
        # rearrange(t, 'b n (h d) -> b h n d', h = h)
        q, k, v = map(lambda t: t.view(b, n, h, -1).transpose(1, 2), (q, k, v))
        out = self.fast_attention(q, k, v)
        out = out.transpose(1, 2).reshape(b, n, -1)  # rearrange(out, 'b h n d -> b n (h d)')
        return self.to_out(out)


perf_x = torch.randn(2, 6, 8)
perf_t = torch.randn(2, 6, 8)
out["perf.x"] = perf_x
out["perf.t"] = perf_t
for name, causal, gen in (("plain", False, False), ("causal", True, False), ("generalized", True, True)):
    perf_blocks.clear()
    attn = PerformerSelfAttention(8, causal=causal, generalized_attention=gen)
    out["perf." + name + ".blocks"] = torch.stack(perf_blocks)
    save_state("perf." + name + ".init.", attn)
    opt = torch.optim.Adam(attn.parameters(), lr=1e-2)
    losses = []
    for step in range(2):
        opt.zero_grad()
        y = attn(perf_x)
        loss = F.mse_loss(y, perf_t)
        loss.backward()
        if step == 0:
            out["perf." + name + ".out0"] = y.detach().clone()
            save_grads("perf." + name + ".grad0.", attn)
        opt.step()
        losses.append(loss.item())
    out["perf." + name + ".loss"] = torch.tensor(losses)
    save_params("perf." + name + ".final.", attn)


NUM_CLASSES = 3
NUM_ROUTING_ITERATIONS = 3


def softmax(input, dim=1):
    transposed_input = input.transpose(dim, len(input.size()) - 1)
    softmaxed_output = F.softmax(transposed_input.contiguous().view(-1, transposed_input.size(-1)), dim=-1)
    return softmaxed_output.view(*transposed_input.size()).transpose(dim, len(input.size()) - 1)


class CapsuleLayer(nn.Module):
    def __init__(self, num_capsules, num_route_nodes, in_channels, out_channels, kernel_size=None, stride=None,
                 num_iterations=NUM_ROUTING_ITERATIONS):
        super(CapsuleLayer, self).__init__()
        self.num_route_nodes = num_route_nodes
        self.num_iterations = num_iterations
        self.num_capsules = num_capsules
        if num_route_nodes != -1:
            self.route_weights = nn.Parameter(torch.randn(num_capsules, num_route_nodes, in_channels, out_channels))
        else:
            self.capsules = nn.ModuleList(
                [nn.Conv2d(in_channels, out_channels, kernel_size=kernel_size, stride=stride, padding=0) for _ in
                 range(num_capsules)])

    def squash(self, tensor, dim=-1):
        squared_norm = (tensor ** 2).sum(dim=dim, keepdim=True)
        scale = squared_norm / (1 + squared_norm)
        return scale * tensor / torch.sqrt(squared_norm)

    def forward(self, x):
        if self.num_route_nodes != -1:
            priors = x[None, :, :, None, :] @ self.route_weights[:, None, :, :, :]
            logits = torch.zeros(*priors.size())  # Variable(torch.zeros(*priors.size())).cuda()
            for i in range(self.num_iterations):
                probs = softmax(logits, dim=2)
                outputs = self.squash((probs * priors).sum(dim=2, keepdim=True))
                if i != self.num_iterations - 1:
                    delta_logits = (priors * outputs).sum(dim=-1, keepdim=True)
                    logits = logits + delta_logits
        else:
            outputs = [capsule(x).view(x.size(0), -1, 1) for capsule in self.capsules]
            outputs = torch.cat(outputs, dim=-1)
            outputs = self.squash(outputs)
        return outputs


class CapsuleNet(nn.Module):
    # sizes cut down: 12x12 images, conv1 of 16 channels 5x5, 4 primary capsules of 4 channels 3x3 stride 2
    def __init__(self):
        super(CapsuleNet, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=16, kernel_size=5, stride=1)
        self.primary_capsules = CapsuleLayer(num_capsules=4, num_route_nodes=-1, in_channels=16, out_channels=4,
                                             kernel_size=3, stride=2)
        self.digit_capsules = CapsuleLayer(num_capsules=NUM_CLASSES, num_route_nodes=4 * 3 * 3, in_channels=4,
                                           out_channels=6)
        self.decoder = nn.Sequential(
            nn.Linear(6 * NUM_CLASSES, 16),
            nn.ReLU(inplace=True),
            nn.Linear(16, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 144),
            nn.Sigmoid()
        )

    def forward(self, x, y=None):
        x = F.relu(self.conv1(x), inplace=True)
        x = self.primary_capsules(x)
        x = self.digit_capsules(x).squeeze().transpose(0, 1)
        classes = (x ** 2).sum(dim=-1) ** 0.5
        classes = F.softmax(classes, dim=-1)
        if y is None:
            # In all batches, get the most active capsule.
            _, max_length_indices = classes.max(dim=1)
            y = torch.eye(NUM_CLASSES).index_select(dim=0, index=max_length_indices.data)
        # the reference's .view(x.size(0), -1): PyTorch >= 1.x's product keeps x's transposed layout, so view refuses it
        # ("view size is not compatible with input tensor's size and stride"); reshape here, and the refusal probed
        reconstructions = self.decoder((x * y[:, :, None]).reshape(x.size(0), -1))
        return classes, reconstructions


class CapsuleLoss(nn.Module):
    def __init__(self):
        super(CapsuleLoss, self).__init__()
        self.reconstruction_loss = nn.MSELoss(size_average=False)

    def forward(self, images, labels, classes, reconstructions):
        left = F.relu(0.9 - classes, inplace=True) ** 2
        right = F.relu(classes - 0.1, inplace=True) ** 2
        margin_loss = labels * left + 0.5 * (1. - labels) * right
        margin_loss = margin_loss.sum()
        assert torch.numel(images) == torch.numel(reconstructions)
        images = images.view(reconstructions.size()[0], -1)
        reconstruction_loss = self.reconstruction_loss(reconstructions, images)
        return (margin_loss + 0.0005 * reconstruction_loss) / images.size(0)


caps = CapsuleNet()
save_state("caps.init.", caps)
caps_x = torch.rand(2, 1, 12, 12)
caps_y = torch.tensor([2, 0])
out["caps.x"] = caps_x
out["caps.y"] = caps_y
capsule_loss = CapsuleLoss()
opt = torch.optim.Adam(caps.parameters())
losses = []
for step in range(2):
    labels = torch.eye(NUM_CLASSES).index_select(dim=0, index=caps_y)
    classes, reconstructions = caps(caps_x, labels)
    loss = capsule_loss(caps_x, labels, classes, reconstructions)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        out["caps.classes0"] = classes.detach().clone()
        save_grads("caps.grad0.", caps)
    opt.step()
    losses.append(loss.item())
out["caps.loss"] = torch.tensor(losses)
save_params("caps.final.", caps)
with torch.no_grad():
    classes, reconstructions = caps(caps_x)
    out["caps.eval_classes"] = classes
    out["caps.eval_recon"] = reconstructions
texts["repr_capsule_loss"] = repr(capsule_loss)
cx = torch.randn(3, 2, 6).transpose(0, 1)
cprod = cx * torch.eye(3)[torch.tensor([2, 0])][:, :, None]
texts["caps_product_stride"] = str(cprod.stride())
try:
    cprod.view(2, -1)
except RuntimeError as ex:
    texts["caps_view_error"] = str(ex)

with open("texts11.txt", "w") as f:
    for k, v in texts.items():
        f.write(k + "|" + v.replace("\n", "\\n") + "\n")

torch.save(out, "programs11.pt")
print(len(out), "entries")
