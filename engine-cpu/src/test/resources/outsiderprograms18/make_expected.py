"""Expected values for OutsiderPrograms18Test (session 43's outsider pass, round 18), run in float64 (the default type)
from PyTorch's initial weights and fixed data, which are saved beside the outputs, losses, gradients of the named
parameters after the first backward and parameters after the last step.

Size: round 17's file was 0.80 MB; this one is 379 KB (656 entries). The initial weights are rounded to float32 before
the programs start (so the float32 copies saved are exact: the Java test widens them to float64 and starts from the
very same numbers), the data are float32-representable draws saved as float32 for the same reason, and only gradients
and final parameters are float64.

  dit.*    facebookresearch/DiT's models.py, scaled down (input 4x4, patch 2, 2 channels, hidden 8, depth 2, 2 heads,
           mlp_ratio 2, 3 classes, class dropout 0.25, learn_sigma; TimestepEmbedder's frequency_embedding_size 16, not
           256): timm's PatchEmbed (Conv2d with stride p, flatten(2).transpose(1, 2)), the fixed 2-D sin-cos pos_embed
           (numpy, .float(), a Parameter with requires_grad=False), TimestepEmbedder's sinusoidal embedding and MLP,
           LabelEmbedder's token_drop from a fixed force_drop_ids (torch.where(drop_ids, num_classes, labels)),
           DiTBlock's adaLN-Zero (adaLN_modulation(c).chunk(6, dim=1), modulate, gates), timm's Attention (qkv reshape,
           permute, unbind; 1.13 has no F.scaled_dot_product_attention, so timm takes its written-out path, which the
           Java port's fused call must match) and Mlp with GELU(approximate="tanh"), FinalLayer, unpatchify by
           einsum("nhwpqc->nchpwq"), initialize_weights as written (adaLN and the final layer zeroed). The loss is a
           stand-in for the diffusion loss: mse of the eps half against fixed noise plus 0.1 * mean square of the sigma
           half. Adam 4 steps; the gradients of the first step are zero but for the zero-initialised output layer (only
           the non-zero ones are saved; the test holds the others to exact zeros), those of the last step are saved in
           full. An eval forward and forward_with_cfg (eps = model_out[:, :3] as written, cfg_scale 4). The float64
           port's one departure: timestep_embedding builds its frequencies in float32 (arange(dtype=float32),
           t[:, None].float()), which a float64 MLP cannot take (PyTorch refuses a float32 input to a float64 Linear);
           the float64 programs build them in float64, and the float32 embedding itself is saved (dit.tfreq32) and
           compared at float32's tolerance. f32.dit.*: one step as the reference runs it, a float32 model with
           the float32 frequencies, from the trained weights.
  kan.*    Blealtan/efficient-kan's KANLinear and KAN([3, 5, 2]): the grid buffer, b_splines by broadcast comparisons
           and the Cox-de Boor recursion, base branch F.linear(silu(x), base_weight), spline branch through
           scaled_spline_weight (spline_scaler), regularization_loss (l1 of the mean |spline_weight|, entropy),
           mse + 1e-3 * regularization, Adam 3 steps; then update_grid (no_grad: sort, linspace(dtype=int64) indices,
           the adaptive / uniform grid mix, cat, grid.copy_(grid.T), spline_weight.data.copy_(curve2coeff(...)) by
           torch.linalg.lstsq) and a forward after it.
  ptst.*   yuqinie98/PatchTST's supervised model (PatchTST_backbone, scaled down: 2 channels, seq_len 16, pred_len 4,
           patch_len 4, stride 2, padding_patch "end" by ReplicationPad1d((0, stride)), d_model 8, 2 heads, d_ff 16,
           2 layers, dropouts 0): RevIN (affine, mean / stdev over time detached, denorm dividing by affine_weight +
           eps * eps), patching by unfold, TSTiEncoder (W_P, learnt W_pos 'zeros' init uniform(-0.02, 0.02)), TSTEncoder
           with res_attention (the previous layer's pre-softmax scores added), _ScaledDotProductAttention's scale a
           Parameter with requires_grad=False, BatchNorm1d between Transpose(1, 2) modules, Flatten_Head, MSE, 3
           steps with SGD and momentum (the repository's Adam would turn the rounding-noise gradients of the biases
           that softmax and BatchNorm remove into ~1e-10 differences of the running means: see the comment there);
           running statistics, an eval forward; RevIN with subtract_last's train forward
  moco.*   facebookresearch/moco's builder.py (MoCo v2: mlp=True puts Linear + ReLU before encoder.fc; a tiny encoder
           with BatchNorm1d), the key encoder copied and frozen, _momentum_update_key_encoder by
           param_k.data = param_k.data * m + param_q.data * (1 - m), the queue a buffer reassigned normalised, the
           single-process form of the batch shuffle (a fixed permutation, its argsort to unshuffle), einsum logits,
           cat, logits /= T in place, cross entropy with zero labels, _dequeue_and_enqueue by slice assignment and
           queue_ptr[0] = ptr; SGD 3 steps (queue, pointer and both encoders after)
  byol.*   lucidrains/byol-pytorch's loss: online encoder + projector MLP (Linear, BatchNorm1d, ReLU, Linear), predictor,
           the target encoder as a frozen deep copy run under no_grad, loss_fn = 2 - 2 * cosine of normalised vectors,
           symmetric, update_moving_average by ma_params.data = old * beta + (1 - beta) * new after each step; SGD
           with momentum 3 steps (Adam would turn the rounding-noise gradients of the biases before BatchNorm into
           ~1e-10 differences of the target's projections: see the comment there)
  box.*    torchvision.ops as written: box_convert (xyxy, xywh, cxcywh, both ways), box_area, _box_inter_union,
           box_iou, a hand-written NMS (scores sorted descending, IoU matrix, suppression loop), batched_nms by the
           coordinate trick (offsets = idxs.to(boxes) * (boxes.max() + 1)) and by the vanilla per-class loop
           (torch.unique, keep_mask, sort of the kept scores); generalized_box_iou_loss and complete_box_iou_loss
           (eps 1e-7) on a tiny box regressor (cxcywh outputs converted), Adam 3 steps
  xdfm.*   DeepCTR-Torch's FM (0.5 * ((sum v)^2 - sum v^2)) and CIN (einsum('bhd,bmd->bhmd'), reshape, Conv1d(k=1)
           compression, split_half by torch.split, sum over the embedding dim) in an xDeepFM (linear embeddings, FM,
           CIN + cin_linear, a DNN), BCEWithLogits, Adam 3 steps
  rwkv.*   an RWKV-4 block (BlinkDL/RWKV-LM v4's model.py with the WKV CUDA kernel written as the loop its
           kernel runs: aa, bb, pp with exp and maximum for stability): time_shift by nn.ZeroPad2d((0, 0, 1, -1)) (a
           negative padding), time_mix_k/v/r, sigmoid receptance, time_decay as w = -exp(time_decay), time_first u;
           the channel mix (square(relu(key))), LayerNorms, an embedding and head, cross entropy, Adam 3 steps
  f32.*    the first forward and backward of kan, xdfm and rwkv again with float32 the default type
  texts18.txt  PyTorch's messages for the recipes' misuses (key, a tab, the message)
PyTorch 1.13 and 2.x agree on every op used here.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs18.pt (a dict of tensors).
"""
import copy
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(18)
out = {}


def f32(t):
    """A float32-representable float64 draw (saved as float32, widened by the test to the very same numbers)."""
    return t.float().double()


def round_init(module):
    """Rounds a module's floating state to float32-representable values (in place)."""
    with torch.no_grad():
        for v in module.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.float().double())


def save_init(prefix, module):
    round_init(module)
    for k, v in module.state_dict().items():
        out[prefix + k] = v.float().clone() if v.is_floating_point() else v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_buffers(prefix, module):
    for k, b in module.named_buffers():
        out[prefix + k] = b.clone()


def save_grads(prefix, module, nonzero_only=False):
    for k, p in module.named_parameters():
        if p.grad is not None and (not nonzero_only or p.grad.abs().max() > 0):
            out[prefix + k] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None, last_grads=False, nonzero_grads=False):
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward(step)
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0.", model, nonzero_grads)
        if last_grads and step == steps - 1:
            save_grads(prefix + "gradlast.", model)
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. DiT ---------------------------------------------------------------------------------------------------------------
def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class PatchEmbed(nn.Module):
    """timm's PatchEmbed (flatten, no norm)."""

    def __init__(self, img_size, patch_size, in_chans, embed_dim, bias=True):
        super().__init__()
        self.img_size = (img_size, img_size)
        self.patch_size = (patch_size, patch_size)
        self.grid_size = (img_size // patch_size, img_size // patch_size)
        self.num_patches = self.grid_size[0] * self.grid_size[1]
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size, bias=bias)
        self.norm = nn.Identity()

    def forward(self, x):
        x = self.proj(x)
        x = x.flatten(2).transpose(1, 2)
        return self.norm(x)


class Attention(nn.Module):
    """timm's Attention (the written-out path: 1.13 has no F.scaled_dot_product_attention)."""

    def __init__(self, dim, num_heads=8, qkv_bias=False):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.q_norm = nn.Identity()
        self.k_norm = nn.Identity()
        self.attn_drop = nn.Dropout(0.0)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(0.0)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        q, k = self.q_norm(q), self.k_norm(k)
        q = q * self.scale
        attn = q @ k.transpose(-2, -1)
        attn = attn.softmax(dim=-1)
        attn = self.attn_drop(attn)
        x = attn @ v
        x = x.transpose(1, 2).reshape(B, N, C)
        x = self.proj(x)
        return self.proj_drop(x)


class Mlp(nn.Module):
    """timm's Mlp."""

    def __init__(self, in_features, hidden_features, act_layer):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.drop1 = nn.Dropout(0.0)
        self.norm = nn.Identity()
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop2 = nn.Dropout(0.0)

    def forward(self, x):
        return self.drop2(self.fc2(self.norm(self.drop1(self.act(self.fc1(x))))))


DIT_F32_FREQS = False


class TimestepEmbedder(nn.Module):
    def __init__(self, hidden_size, frequency_embedding_size=256):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(frequency_embedding_size, hidden_size, bias=True),
            nn.SiLU(),
            nn.Linear(hidden_size, hidden_size, bias=True),
        )
        self.frequency_embedding_size = frequency_embedding_size

    @staticmethod
    def timestep_embedding(t, dim, max_period=10000):
        half = dim // 2
        ftype = torch.float32 if DIT_F32_FREQS else torch.float64  # the float64 port's departure (see the docstring)
        freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=ftype) / half).to(device=t.device)
        args = t[:, None].to(ftype) * freqs[None]
        embedding = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
        if dim % 2:
            embedding = torch.cat([embedding, torch.zeros_like(embedding[:, :1])], dim=-1)
        return embedding

    def forward(self, t):
        t_freq = self.timestep_embedding(t, self.frequency_embedding_size)
        return self.mlp(t_freq)


class LabelEmbedder(nn.Module):
    def __init__(self, num_classes, hidden_size, dropout_prob):
        super().__init__()
        use_cfg_embedding = dropout_prob > 0
        self.embedding_table = nn.Embedding(num_classes + use_cfg_embedding, hidden_size)
        self.num_classes = num_classes
        self.dropout_prob = dropout_prob

    def token_drop(self, labels, force_drop_ids=None):
        if force_drop_ids is None:
            drop_ids = torch.rand(labels.shape[0]) < self.dropout_prob
        else:
            drop_ids = force_drop_ids == 1
        labels = torch.where(drop_ids, self.num_classes, labels)
        return labels

    def forward(self, labels, train, force_drop_ids=None):
        use_dropout = self.dropout_prob > 0
        if (train and use_dropout) or (force_drop_ids is not None):
            labels = self.token_drop(labels, force_drop_ids)
        return self.embedding_table(labels)


class DiTBlock(nn.Module):
    def __init__(self, hidden_size, num_heads, mlp_ratio=4.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.attn = Attention(hidden_size, num_heads=num_heads, qkv_bias=True)
        self.norm2 = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        mlp_hidden_dim = int(hidden_size * mlp_ratio)
        approx_gelu = lambda: nn.GELU(approximate="tanh")  # noqa: E731
        self.mlp = Mlp(in_features=hidden_size, hidden_features=mlp_hidden_dim, act_layer=approx_gelu)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 6 * hidden_size, bias=True))

    def forward(self, x, c):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(c).chunk(6, dim=1)
        x = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        x = x + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_mlp, scale_mlp))
        return x


class FinalLayer(nn.Module):
    def __init__(self, hidden_size, patch_size, out_channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(hidden_size, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(hidden_size, patch_size * patch_size * out_channels, bias=True)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(hidden_size, 2 * hidden_size, bias=True))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)
        x = modulate(self.norm_final(x), shift, scale)
        return self.linear(x)


def get_1d_sincos_pos_embed_from_grid(embed_dim, pos):
    omega = np.arange(embed_dim // 2, dtype=np.float64)
    omega /= embed_dim / 2.
    omega = 1. / 10000 ** omega
    pos = pos.reshape(-1)
    o = np.einsum('m,d->md', pos, omega)
    return np.concatenate([np.sin(o), np.cos(o)], axis=1)


def get_2d_sincos_pos_embed(embed_dim, grid_size):
    grid_h = np.arange(grid_size, dtype=np.float32)
    grid_w = np.arange(grid_size, dtype=np.float32)
    grid = np.meshgrid(grid_w, grid_h)
    grid = np.stack(grid, axis=0)
    grid = grid.reshape([2, 1, grid_size, grid_size])
    emb_h = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[0])
    emb_w = get_1d_sincos_pos_embed_from_grid(embed_dim // 2, grid[1])
    return np.concatenate([emb_h, emb_w], axis=1)


class DiT(nn.Module):
    def __init__(self, input_size=4, patch_size=2, in_channels=2, hidden_size=8, depth=2, num_heads=2, mlp_ratio=2.0,
                 class_dropout_prob=0.25, num_classes=3, learn_sigma=True):
        super().__init__()
        self.learn_sigma = learn_sigma
        self.in_channels = in_channels
        self.out_channels = in_channels * 2 if learn_sigma else in_channels
        self.patch_size = patch_size
        self.num_heads = num_heads
        self.x_embedder = PatchEmbed(input_size, patch_size, in_channels, hidden_size, bias=True)
        self.t_embedder = TimestepEmbedder(hidden_size, frequency_embedding_size=16)
        self.y_embedder = LabelEmbedder(num_classes, hidden_size, class_dropout_prob)
        num_patches = self.x_embedder.num_patches
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches, hidden_size), requires_grad=False)
        self.blocks = nn.ModuleList([DiTBlock(hidden_size, num_heads, mlp_ratio=mlp_ratio) for _ in range(depth)])
        self.final_layer = FinalLayer(hidden_size, patch_size, self.out_channels)
        self.initialize_weights()

    def initialize_weights(self):
        def _basic_init(module):
            if isinstance(module, nn.Linear):
                torch.nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.constant_(module.bias, 0)
        self.apply(_basic_init)
        pos_embed = get_2d_sincos_pos_embed(self.pos_embed.shape[-1], int(self.x_embedder.num_patches ** 0.5))
        self.pos_embed.data.copy_(torch.from_numpy(pos_embed).float().unsqueeze(0))
        w = self.x_embedder.proj.weight.data
        nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        nn.init.normal_(self.y_embedder.embedding_table.weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[0].weight, std=0.02)
        nn.init.normal_(self.t_embedder.mlp[2].weight, std=0.02)
        for block in self.blocks:
            nn.init.constant_(block.adaLN_modulation[-1].weight, 0)
            nn.init.constant_(block.adaLN_modulation[-1].bias, 0)
        nn.init.constant_(self.final_layer.adaLN_modulation[-1].weight, 0)
        nn.init.constant_(self.final_layer.adaLN_modulation[-1].bias, 0)
        nn.init.constant_(self.final_layer.linear.weight, 0)
        nn.init.constant_(self.final_layer.linear.bias, 0)

    def unpatchify(self, x):
        c = self.out_channels
        p = self.x_embedder.patch_size[0]
        h = w = int(x.shape[1] ** 0.5)
        assert h * w == x.shape[1]
        x = x.reshape(shape=(x.shape[0], h, w, p, p, c))
        x = torch.einsum('nhwpqc->nchpwq', x)
        return x.reshape(shape=(x.shape[0], c, h * p, h * p))

    def forward(self, x, t, y, force_drop_ids=None):
        x = self.x_embedder(x) + self.pos_embed
        t = self.t_embedder(t)
        y = self.y_embedder(y, self.training, force_drop_ids)
        c = t + y
        for block in self.blocks:
            x = block(x, c)
        x = self.final_layer(x, c)
        return self.unpatchify(x)

    def forward_with_cfg(self, x, t, y, cfg_scale):
        half = x[: len(x) // 2]
        combined = torch.cat([half, half], dim=0)
        model_out = self.forward(combined, t, y)
        eps, rest = model_out[:, :3], model_out[:, 3:]
        cond_eps, uncond_eps = torch.split(eps, len(eps) // 2, dim=0)
        half_eps = uncond_eps + cfg_scale * (cond_eps - uncond_eps)
        eps = torch.cat([half_eps, half_eps], dim=0)
        return torch.cat([eps, rest], dim=1)


dit = DiT()
save_init("dit.init.", dit)
out["dit.posembed_np"] = torch.from_numpy(get_2d_sincos_pos_embed(8, 2)).clone()  # float64, before .float()
dit_x = f32(torch.randn(4, 3, 2, 4, 4))
dit_t = torch.randint(0, 1000, (4, 3))
dit_y = torch.randint(0, 3, (4, 3))
dit_drop = torch.tensor([[0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 1]])
dit_noise = f32(torch.randn(4, 3, 2, 4, 4))
out["dit.x"], out["dit.t"], out["dit.y"], out["dit.drop"] = dit_x.float(), dit_t, dit_y, dit_drop
out["dit.noise"] = dit_noise.float()
DIT_F32_FREQS = True
out["dit.tfreq32"] = TimestepEmbedder.timestep_embedding(dit_t[0], 16)
DIT_F32_FREQS = False
out["dit.tfreq"] = TimestepEmbedder.timestep_embedding(dit_t[0], 16)
out["dit.labels_dropped"] = dit.y_embedder.token_drop(dit_y[0], dit_drop[0])


def dit_forward(step):
    o = dit(dit_x[step], dit_t[step], dit_y[step], dit_drop[step])
    loss = F.mse_loss(o[:, :2], dit_noise[step]) + 0.1 * o[:, 2:].pow(2).mean()
    return o, loss


dit.train()
train("dit.", dit, torch.optim.Adam(dit.parameters(), lr=1e-2), 4, dit_forward, last_grads=True, nonzero_grads=True)
dit.eval()
with torch.no_grad():
    out["dit.eval"] = dit(dit_x[0], dit_t[0], dit_y[0])
    cfg_x = dit_x[1][:2].repeat(2, 1, 1, 1)
    cfg_t = dit_t[1][:2].repeat(2)
    cfg_y = torch.tensor([0, 2, 3, 3])
    out["dit.cfg"] = dit.forward_with_cfg(cfg_x, cfg_t, cfg_y, 4.0)


# 2. efficient-kan -----------------------------------------------------------------------------------------------------
class KANLinear(nn.Module):
    def __init__(self, in_features, out_features, grid_size=5, spline_order=3, scale_noise=0.1, scale_base=1.0,
                 scale_spline=1.0, enable_standalone_scale_spline=True, base_activation=nn.SiLU, grid_eps=0.02,
                 grid_range=[-1, 1]):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.grid_size = grid_size
        self.spline_order = spline_order
        h = (grid_range[1] - grid_range[0]) / grid_size
        grid = ((torch.arange(-spline_order, grid_size + spline_order + 1) * h + grid_range[0])
                .expand(in_features, -1).contiguous())
        self.register_buffer("grid", grid)
        self.base_weight = nn.Parameter(torch.Tensor(out_features, in_features))
        self.spline_weight = nn.Parameter(torch.Tensor(out_features, in_features, grid_size + spline_order))
        if enable_standalone_scale_spline:
            self.spline_scaler = nn.Parameter(torch.Tensor(out_features, in_features))
        self.scale_noise = scale_noise
        self.scale_base = scale_base
        self.scale_spline = scale_spline
        self.enable_standalone_scale_spline = enable_standalone_scale_spline
        self.base_activation = base_activation()
        self.grid_eps = grid_eps
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.kaiming_uniform_(self.base_weight, a=math.sqrt(5) * self.scale_base)
        with torch.no_grad():
            noise = ((torch.rand(self.grid_size + 1, self.in_features, self.out_features) - 1 / 2)
                     * self.scale_noise / self.grid_size)
            self.spline_weight.data.copy_(
                (self.scale_spline if not self.enable_standalone_scale_spline else 1.0)
                * self.curve2coeff(self.grid.T[self.spline_order: -self.spline_order], noise))
            if self.enable_standalone_scale_spline:
                nn.init.kaiming_uniform_(self.spline_scaler, a=math.sqrt(5) * self.scale_spline)

    def b_splines(self, x):
        assert x.dim() == 2 and x.size(1) == self.in_features
        grid = self.grid
        x = x.unsqueeze(-1)
        bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)
        for k in range(1, self.spline_order + 1):
            bases = (
                (x - grid[:, : -(k + 1)]) / (grid[:, k:-1] - grid[:, : -(k + 1)]) * bases[:, :, :-1]
            ) + (
                (grid[:, k + 1:] - x) / (grid[:, k + 1:] - grid[:, 1:(-k)]) * bases[:, :, 1:]
            )
        assert bases.size() == (x.size(0), self.in_features, self.grid_size + self.spline_order)
        return bases.contiguous()

    def curve2coeff(self, x, y):
        A = self.b_splines(x).transpose(0, 1)
        B = y.transpose(0, 1)
        solution = torch.linalg.lstsq(A, B).solution
        result = solution.permute(2, 0, 1)
        return result.contiguous()

    @property
    def scaled_spline_weight(self):
        return self.spline_weight * (self.spline_scaler.unsqueeze(-1) if self.enable_standalone_scale_spline else 1.0)

    def forward(self, x):
        assert x.size(-1) == self.in_features
        original_shape = x.shape
        x = x.reshape(-1, self.in_features)
        base_output = F.linear(self.base_activation(x), self.base_weight)
        spline_output = F.linear(self.b_splines(x).view(x.size(0), -1),
                                 self.scaled_spline_weight.view(self.out_features, -1))
        output = base_output + spline_output
        return output.reshape(*original_shape[:-1], self.out_features)

    @torch.no_grad()
    def update_grid(self, x, margin=0.01):
        batch = x.size(0)
        splines = self.b_splines(x).permute(1, 0, 2)
        orig_coeff = self.scaled_spline_weight.permute(1, 2, 0)
        unreduced_spline_output = torch.bmm(splines, orig_coeff).permute(1, 0, 2)
        x_sorted = torch.sort(x, dim=0)[0]
        grid_adaptive = x_sorted[torch.linspace(0, batch - 1, self.grid_size + 1, dtype=torch.int64, device=x.device)]
        uniform_step = (x_sorted[-1] - x_sorted[0] + 2 * margin) / self.grid_size
        grid_uniform = (torch.arange(self.grid_size + 1, dtype=torch.float32, device=x.device).unsqueeze(1)
                        * uniform_step + x_sorted[0] - margin)
        grid = self.grid_eps * grid_uniform + (1 - self.grid_eps) * grid_adaptive
        grid = torch.cat([
            grid[:1] - uniform_step * torch.arange(self.spline_order, 0, -1, device=x.device).unsqueeze(1),
            grid,
            grid[-1:] + uniform_step * torch.arange(1, self.spline_order + 1, device=x.device).unsqueeze(1),
        ], dim=0)
        self.grid.copy_(grid.T)
        self.spline_weight.data.copy_(self.curve2coeff(x, unreduced_spline_output))

    def regularization_loss(self, regularize_activation=1.0, regularize_entropy=1.0):
        l1_fake = self.spline_weight.abs().mean(-1)
        regularization_loss_activation = l1_fake.sum()
        p = l1_fake / regularization_loss_activation
        regularization_loss_entropy = -torch.sum(p * p.log())
        return regularize_activation * regularization_loss_activation + regularize_entropy * regularization_loss_entropy


class KAN(nn.Module):
    def __init__(self, layers_hidden, grid_size=5, spline_order=3):
        super().__init__()
        self.layers = nn.ModuleList()
        for in_features, out_features in zip(layers_hidden, layers_hidden[1:]):
            self.layers.append(KANLinear(in_features, out_features, grid_size=grid_size, spline_order=spline_order))

    def forward(self, x, update_grid=False):
        for layer in self.layers:
            if update_grid:
                layer.update_grid(x)
            x = layer(x)
        return x

    def regularization_loss(self, regularize_activation=1.0, regularize_entropy=1.0):
        return sum(layer.regularization_loss(regularize_activation, regularize_entropy) for layer in self.layers)


kan = KAN([3, 5, 2])
save_init("kan.init.", kan)
kan_x = f32(torch.rand(3, 16, 3) * 2 - 1)
kan_y = torch.stack([torch.sin(math.pi * kan_x[..., 0]) * kan_x[..., 1], kan_x[..., 2] ** 2 - kan_x[..., 0]], -1)
out["kan.x"], out["kan.y"] = kan_x.float(), kan_y
with torch.no_grad():
    out["kan.bases0"] = kan.layers[0].b_splines(kan_x[0])


def kan_forward(step):
    o = kan(kan_x[step])
    return o, F.mse_loss(o, kan_y[step]) + 1e-3 * kan.regularization_loss()


train("kan.", kan, torch.optim.Adam(kan.parameters(), lr=1e-2), 3, kan_forward,
      first=lambda o: out.__setitem__("kan.out0", o.detach().clone()))
kan_ux = f32(torch.randn(12, 3) * 0.7)
out["kan.ux"] = kan_ux.float()
# update_grid's torch.linalg.lstsq (LAPACK's gelsy) is not bitwise reproducible here (runs differ by ~5e-16): what
# depends on it is saved rounded to float32, and the test compares it at float32's tolerance
with torch.no_grad():
    out["kan.updated_out"] = kan(kan_ux, update_grid=True).float()
for k, b in kan.named_buffers():
    out["kan.updated." + k] = b.float()
for k, p in kan.named_parameters():
    if k.endswith("spline_weight"):
        out["kan.updated." + k] = p.detach().float()


# 3. PatchTST ----------------------------------------------------------------------------------------------------------
class RevIN(nn.Module):
    def __init__(self, num_features, eps=1e-5, affine=True, subtract_last=False):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.affine = affine
        self.subtract_last = subtract_last
        if self.affine:
            self.affine_weight = nn.Parameter(torch.ones(self.num_features))
            self.affine_bias = nn.Parameter(torch.zeros(self.num_features))

    def forward(self, x, mode):
        if mode == 'norm':
            self._get_statistics(x)
            x = self._normalize(x)
        elif mode == 'denorm':
            x = self._denormalize(x)
        else:
            raise NotImplementedError
        return x

    def _get_statistics(self, x):
        dim2reduce = tuple(range(1, x.ndim - 1))
        if self.subtract_last:
            self.last = x[:, -1, :].unsqueeze(1)
        else:
            self.mean = torch.mean(x, dim=dim2reduce, keepdim=True).detach()
        self.stdev = torch.sqrt(torch.var(x, dim=dim2reduce, keepdim=True, unbiased=False) + self.eps).detach()

    def _normalize(self, x):
        if self.subtract_last:
            x = x - self.last
        else:
            x = x - self.mean
        x = x / self.stdev
        if self.affine:
            x = x * self.affine_weight
            x = x + self.affine_bias
        return x

    def _denormalize(self, x):
        if self.affine:
            x = x - self.affine_bias
            x = x / (self.affine_weight + self.eps * self.eps)
        x = x * self.stdev
        if self.subtract_last:
            x = x + self.last
        else:
            x = x + self.mean
        return x


class Transpose(nn.Module):
    def __init__(self, *dims, contiguous=False):
        super().__init__()
        self.dims, self.contiguous = dims, contiguous

    def forward(self, x):
        if self.contiguous:
            return x.transpose(*self.dims).contiguous()
        return x.transpose(*self.dims)


class _ScaledDotProductAttention(nn.Module):
    def __init__(self, d_model, n_heads, attn_dropout=0., res_attention=False, lsa=False):
        super().__init__()
        self.attn_dropout = nn.Dropout(attn_dropout)
        self.res_attention = res_attention
        head_dim = d_model // n_heads
        self.scale = nn.Parameter(torch.tensor(head_dim ** -0.5), requires_grad=lsa)
        self.lsa = lsa

    def forward(self, q, k, v, prev=None):
        attn_scores = torch.matmul(q, k) * self.scale
        if prev is not None:
            attn_scores = attn_scores + prev
        attn_weights = F.softmax(attn_scores, dim=-1)
        attn_weights = self.attn_dropout(attn_weights)
        output = torch.matmul(attn_weights, v)
        if self.res_attention:
            return output, attn_weights, attn_scores
        return output, attn_weights


class _MultiheadAttention(nn.Module):
    def __init__(self, d_model, n_heads, res_attention=False, attn_dropout=0., proj_dropout=0., qkv_bias=True):
        super().__init__()
        d_k = d_v = d_model // n_heads
        self.n_heads, self.d_k, self.d_v = n_heads, d_k, d_v
        self.W_Q = nn.Linear(d_model, d_k * n_heads, bias=qkv_bias)
        self.W_K = nn.Linear(d_model, d_k * n_heads, bias=qkv_bias)
        self.W_V = nn.Linear(d_model, d_v * n_heads, bias=qkv_bias)
        self.res_attention = res_attention
        self.sdp_attn = _ScaledDotProductAttention(d_model, n_heads, attn_dropout=attn_dropout,
                                                   res_attention=self.res_attention)
        self.to_out = nn.Sequential(nn.Linear(n_heads * d_v, d_model), nn.Dropout(proj_dropout))

    def forward(self, Q, K=None, V=None, prev=None):
        bs = Q.size(0)
        if K is None:
            K = Q
        if V is None:
            V = Q
        q_s = self.W_Q(Q).view(bs, -1, self.n_heads, self.d_k).transpose(1, 2)
        k_s = self.W_K(K).view(bs, -1, self.n_heads, self.d_k).permute(0, 2, 3, 1)
        v_s = self.W_V(V).view(bs, -1, self.n_heads, self.d_v).transpose(1, 2)
        if self.res_attention:
            output, attn_weights, attn_scores = self.sdp_attn(q_s, k_s, v_s, prev=prev)
        else:
            output, attn_weights = self.sdp_attn(q_s, k_s, v_s)
        output = output.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * self.d_v)
        output = self.to_out(output)
        if self.res_attention:
            return output, attn_weights, attn_scores
        return output, attn_weights


class TSTEncoderLayer(nn.Module):
    def __init__(self, q_len, d_model, n_heads, d_ff=256, norm='BatchNorm', dropout=0., bias=True,
                 activation="gelu", res_attention=False, pre_norm=False):
        super().__init__()
        self.res_attention = res_attention
        self.self_attn = _MultiheadAttention(d_model, n_heads, res_attention=res_attention, proj_dropout=dropout)
        self.dropout_attn = nn.Dropout(dropout)
        if "batch" in norm.lower():
            self.norm_attn = nn.Sequential(Transpose(1, 2), nn.BatchNorm1d(d_model), Transpose(1, 2))
        else:
            self.norm_attn = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff, bias=bias), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(d_ff, d_model, bias=bias))
        self.dropout_ffn = nn.Dropout(dropout)
        if "batch" in norm.lower():
            self.norm_ffn = nn.Sequential(Transpose(1, 2), nn.BatchNorm1d(d_model), Transpose(1, 2))
        else:
            self.norm_ffn = nn.LayerNorm(d_model)
        self.pre_norm = pre_norm

    def forward(self, src, prev=None):
        if self.pre_norm:
            src = self.norm_attn(src)
        if self.res_attention:
            src2, attn, scores = self.self_attn(src, src, src, prev)
        else:
            src2, attn = self.self_attn(src, src, src)
        src = src + self.dropout_attn(src2)
        if not self.pre_norm:
            src = self.norm_attn(src)
        if self.pre_norm:
            src = self.norm_ffn(src)
        src2 = self.ff(src)
        src = src + self.dropout_ffn(src2)
        if not self.pre_norm:
            src = self.norm_ffn(src)
        if self.res_attention:
            return src, scores
        return src


class TSTEncoder(nn.Module):
    def __init__(self, q_len, d_model, n_heads, d_ff=None, norm='BatchNorm', dropout=0., activation='gelu',
                 res_attention=False, n_layers=1, pre_norm=False):
        super().__init__()
        self.layers = nn.ModuleList([TSTEncoderLayer(q_len, d_model, n_heads=n_heads, d_ff=d_ff, norm=norm,
                                                     dropout=dropout, activation=activation,
                                                     res_attention=res_attention, pre_norm=pre_norm)
                                     for i in range(n_layers)])
        self.res_attention = res_attention

    def forward(self, src):
        output = src
        scores = None
        if self.res_attention:
            for mod in self.layers:
                output, scores = mod(output, prev=scores)
            return output
        for mod in self.layers:
            output = mod(output)
        return output


class TSTiEncoder(nn.Module):
    def __init__(self, c_in, patch_num, patch_len, n_layers=3, d_model=128, n_heads=16, d_ff=256, norm='BatchNorm',
                 dropout=0., act="gelu", res_attention=True, pre_norm=False):
        super().__init__()
        self.patch_num = patch_num
        self.patch_len = patch_len
        q_len = patch_num
        self.W_P = nn.Linear(patch_len, d_model)
        self.seq_len = q_len
        W_pos = torch.empty((q_len, d_model))  # positional_encoding('zeros', learn_pe=True, ...)
        nn.init.uniform_(W_pos, -0.02, 0.02)
        self.W_pos = nn.Parameter(W_pos, requires_grad=True)
        self.dropout = nn.Dropout(dropout)
        self.encoder = TSTEncoder(q_len, d_model, n_heads, d_ff=d_ff, norm=norm, dropout=dropout, activation=act,
                                  res_attention=res_attention, n_layers=n_layers, pre_norm=pre_norm)

    def forward(self, x):
        n_vars = x.shape[1]
        x = x.permute(0, 1, 3, 2)
        x = self.W_P(x)
        u = torch.reshape(x, (x.shape[0] * x.shape[1], x.shape[2], x.shape[3]))
        u = self.dropout(u + self.W_pos)
        z = self.encoder(u)
        z = torch.reshape(z, (-1, n_vars, z.shape[-2], z.shape[-1]))
        z = z.permute(0, 1, 3, 2)
        return z


class Flatten_Head(nn.Module):
    def __init__(self, individual, n_vars, nf, target_window, head_dropout=0):
        super().__init__()
        self.individual = individual
        self.n_vars = n_vars
        self.flatten = nn.Flatten(start_dim=-2)
        self.linear = nn.Linear(nf, target_window)
        self.dropout = nn.Dropout(head_dropout)

    def forward(self, x):
        x = self.flatten(x)
        x = self.linear(x)
        return self.dropout(x)


class PatchTST_backbone(nn.Module):
    def __init__(self, c_in, context_window, target_window, patch_len, stride, n_layers=3, d_model=128, n_heads=16,
                 d_ff=256, padding_patch=None, revin=True, affine=True, subtract_last=False):
        super().__init__()
        self.revin = revin
        if self.revin:
            self.revin_layer = RevIN(c_in, affine=affine, subtract_last=subtract_last)
        self.patch_len = patch_len
        self.stride = stride
        self.padding_patch = padding_patch
        patch_num = int((context_window - patch_len) / stride + 1)
        if padding_patch == 'end':
            self.padding_patch_layer = nn.ReplicationPad1d((0, stride))
            patch_num += 1
        self.backbone = TSTiEncoder(c_in, patch_num=patch_num, patch_len=patch_len, n_layers=n_layers,
                                    d_model=d_model, n_heads=n_heads, d_ff=d_ff, res_attention=True)
        self.head_nf = d_model * patch_num
        self.n_vars = c_in
        self.head = Flatten_Head(False, self.n_vars, self.head_nf, target_window)

    def forward(self, z):
        if self.revin:
            z = z.permute(0, 2, 1)
            z = self.revin_layer(z, 'norm')
            z = z.permute(0, 2, 1)
        if self.padding_patch == 'end':
            z = self.padding_patch_layer(z)
        z = z.unfold(dimension=-1, size=self.patch_len, step=self.stride)
        z = z.permute(0, 1, 3, 2)
        z = self.backbone(z)
        z = self.head(z)
        if self.revin:
            z = z.permute(0, 2, 1)
            z = self.revin_layer(z, 'denorm')
            z = z.permute(0, 2, 1)
        return z


class PatchTST(nn.Module):
    """models/PatchTST.py's Model without decomposition."""

    def __init__(self, subtract_last=False):
        super().__init__()
        self.model = PatchTST_backbone(c_in=2, context_window=16, target_window=4, patch_len=4, stride=2, n_layers=2,
                                       d_model=8, n_heads=2, d_ff=16, padding_patch='end', subtract_last=subtract_last)

    def forward(self, x):
        x = x.permute(0, 2, 1)
        x = self.model(x)
        return x.permute(0, 2, 1)


ptst = PatchTST()
with torch.no_grad():  # a non-trivial affine RevIN (ones and zeros would hide a swapped weight and bias)
    ptst.model.revin_layer.affine_weight.copy_(torch.tensor([1.5, 0.75]))
    ptst.model.revin_layer.affine_bias.copy_(torch.tensor([0.25, -0.5]))
save_init("ptst.init.", ptst)
tt = torch.arange(20.)
ptst_series = f32(torch.stack([torch.sin(tt / 3), torch.cos(tt / 5) * 2 + 1], -1) + 0.3 * torch.randn(3, 4, 20, 2)
                  + torch.randn(3, 4, 1, 2))
ptst_x, ptst_y = ptst_series[:, :, :16], ptst_series[:, :, 16:]
out["ptst.series"] = ptst_series.float()
with torch.no_grad():
    z = ptst_x[0].permute(0, 2, 1)
    out["ptst.patches0"] = ptst.model.padding_patch_layer(z).unfold(dimension=-1, size=4, step=2)
ptst.train()
# SGD with momentum, not the repository's Adam: the key, value, output-projection and second feed-forward biases get
# gradients that are rounding noise (softmax and the BatchNorms remove them); Adam scales such noise up to steps of
# ~lr * 1e-8, which the BatchNorms' running means then record, so two correct implementations would part at ~1e-10
train("ptst.", ptst, torch.optim.SGD(ptst.parameters(), lr=0.05, momentum=0.9), 3,
      lambda s: (lambda o: (o, F.mse_loss(o, ptst_y[s])))(ptst(ptst_x[s])),
      first=lambda o: out.__setitem__("ptst.out0", o.detach().clone()))
save_buffers("ptst.buffers.", ptst)
ptst.eval()
with torch.no_grad():
    out["ptst.eval"] = ptst(ptst_x[0])
ptst_last = PatchTST(subtract_last=True)
ptst_last.load_state_dict({k[len("ptst.init."):]: v for k, v in out.items() if k.startswith("ptst.init.")})
ptst_last.train()
o = ptst_last(ptst_x[1])
F.mse_loss(o, ptst_y[1]).backward()
out["ptst.last.out"] = o.detach().clone()
out["ptst.last.grad.model.revin_layer.affine_weight"] = ptst_last.model.revin_layer.affine_weight.grad.clone()
out["ptst.last.grad.model.backbone.W_P.weight"] = ptst_last.model.backbone.W_P.weight.grad.clone()


# 4. MoCo v2 and BYOL --------------------------------------------------------------------------------------------------
class TinyEncoder(nn.Module):
    """The base_encoder(num_classes=dim) MoCo builds: a body and an fc."""

    def __init__(self, num_classes=4):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.bn = nn.BatchNorm1d(8)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(self.relu(self.bn(self.fc1(x))))


class MoCo(nn.Module):
    def __init__(self, base_encoder, dim=4, K=8, m=0.9, T=0.2, mlp=True):
        super().__init__()
        self.K = K
        self.m = m
        self.T = T
        self.encoder_q = base_encoder(num_classes=dim)
        self.encoder_k = base_encoder(num_classes=dim)
        if mlp:
            dim_mlp = self.encoder_q.fc.weight.shape[1]
            self.encoder_q.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.encoder_q.fc)
            self.encoder_k.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.encoder_k.fc)
        for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            param_k.data.copy_(param_q.data)
            param_k.requires_grad = False
        self.register_buffer("queue", torch.randn(dim, K))
        self.queue = nn.functional.normalize(self.queue, dim=0)
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def _momentum_update_key_encoder(self):
        for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            param_k.data = param_k.data * self.m + param_q.data * (1. - self.m)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys):
        batch_size = keys.shape[0]
        ptr = int(self.queue_ptr)
        assert self.K % batch_size == 0
        self.queue[:, ptr:ptr + batch_size] = keys.T
        ptr = (ptr + batch_size) % self.K
        self.queue_ptr[0] = ptr

    def forward(self, im_q, im_k, idx_shuffle):
        q = self.encoder_q(im_q)
        q = nn.functional.normalize(q, dim=1)
        with torch.no_grad():
            self._momentum_update_key_encoder()
            idx_unshuffle = torch.argsort(idx_shuffle)  # _batch_shuffle_ddp on one process
            im_k = im_k[idx_shuffle]
            k = self.encoder_k(im_k)
            k = nn.functional.normalize(k, dim=1)
            k = k[idx_unshuffle]
        l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
        l_neg = torch.einsum('nc,ck->nk', [q, self.queue.clone().detach()])
        logits = torch.cat([l_pos, l_neg], dim=1)
        logits /= self.T
        labels = torch.zeros(logits.shape[0], dtype=torch.long)
        self._dequeue_and_enqueue(k)
        return logits, labels


moco = MoCo(TinyEncoder)
save_init("moco.init.", moco)
moco_x = f32(torch.randn(3, 4, 6))
moco_perm = torch.stack([torch.randperm(4) for _ in range(3)])
out["moco.x"], out["moco.perm"] = moco_x.float(), moco_perm
moco.train()
mopt = torch.optim.SGD(moco.encoder_q.parameters(), lr=0.5, momentum=0.9)
mlosses = []
for step in range(3):
    xq = moco_x[step] + 0.1 * torch.arange(6.)
    xk = moco_x[step] - 0.1 * torch.arange(6.)
    logits, labels = moco(xq, xk, moco_perm[step])
    loss = nn.CrossEntropyLoss()(logits, labels)
    mopt.zero_grad()
    loss.backward()
    if step == 0:
        out["moco.logits0"] = logits.detach().clone()
        save_grads("moco.grad0.", moco.encoder_q)
    mopt.step()
    mlosses.append(loss.item())
out["moco.loss"] = torch.tensor(mlosses)
for k, v in moco.state_dict().items():
    out["moco.final." + k] = v.clone()


def MLP(dim, projection_size, hidden_size=16):
    return nn.Sequential(nn.Linear(dim, hidden_size), nn.BatchNorm1d(hidden_size), nn.ReLU(inplace=True),
                         nn.Linear(hidden_size, projection_size))


def byol_loss_fn(x, y):
    x = F.normalize(x, dim=-1, p=2)
    y = F.normalize(y, dim=-1, p=2)
    return 2 - 2 * (x * y).sum(dim=-1)


class EMA():
    def __init__(self, beta):
        super().__init__()
        self.beta = beta

    def update_average(self, old, new):
        if old is None:
            return new
        return old * self.beta + (1 - self.beta) * new


def update_moving_average(ema_updater, ma_model, current_model):
    for current_params, ma_params in zip(current_model.parameters(), ma_model.parameters()):
        old_weight, up_weight = ma_params.data, current_params.data
        ma_params.data = ema_updater.update_average(old_weight, up_weight)


class NetWrapper(nn.Module):
    """byol-pytorch's NetWrapper reduced to its use: the backbone's representation, then the projector."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
        self.projector = MLP(8, 4, 16)

    def forward(self, x):
        representation = self.net(x)
        return self.projector(representation), representation


class BYOL(nn.Module):
    def __init__(self, moving_average_decay=0.9):
        super().__init__()
        self.online_encoder = NetWrapper()
        self.target_encoder = None
        self.target_ema_updater = EMA(moving_average_decay)
        self.online_predictor = MLP(4, 4, 16)

    def _get_target_encoder(self):
        if self.target_encoder is not None:
            return self.target_encoder
        target_encoder = copy.deepcopy(self.online_encoder)
        for p in target_encoder.parameters():
            p.requires_grad = False
        self.target_encoder = target_encoder
        return target_encoder

    def update_moving_average(self):
        update_moving_average(self.target_ema_updater, self.target_encoder, self.online_encoder)

    def forward(self, image_one, image_two):
        images = torch.cat((image_one, image_two), dim=0)
        online_projections, _ = self.online_encoder(images)
        online_predictions = self.online_predictor(online_projections)
        online_pred_one, online_pred_two = online_predictions.chunk(2, dim=0)
        with torch.no_grad():
            target_encoder = self._get_target_encoder()
            target_projections, _ = target_encoder(images)
            target_projections = target_projections.detach()
            target_proj_one, target_proj_two = target_projections.chunk(2, dim=0)
        loss_one = byol_loss_fn(online_pred_one, target_proj_two.detach())
        loss_two = byol_loss_fn(online_pred_two, target_proj_one.detach())
        loss = loss_one + loss_two
        return loss.mean()


byol = BYOL()
save_init("byol.init.", byol)
byol_x = f32(torch.randn(3, 2, 5, 6))
out["byol.x"] = byol_x.float()
byol.train()
# SGD, not byol-pytorch's example Adam: the biases before a BatchNorm (the projector's and predictor's first Linear)
# and the projector's last bias (the predictor's BatchNorm removes it in the online branch) get gradients that are
# rounding noise (~1e-16); Adam scales such noise up to steps of ~lr * 1e-8, and the target's copy of the last bias
# feeds the loss, so the losses of two correct implementations would part at ~1e-10
bopt = torch.optim.SGD([p for p in byol.parameters() if p.requires_grad], lr=0.05, momentum=0.9)
blosses = []
for step in range(3):
    loss = byol(byol_x[step, 0], byol_x[step, 1])
    bopt.zero_grad()
    loss.backward()
    if step == 0:
        save_grads("byol.grad0.", byol)  # the target encoder (a submodule once made) has no gradients
    bopt.step()
    byol.update_moving_average()
    blosses.append(loss.item())
out["byol.loss"] = torch.tensor(blosses)
save_params("byol.final.online.", byol.online_encoder)
save_params("byol.final.pred.", byol.online_predictor)
for k, v in byol.target_encoder.state_dict().items():
    out["byol.final.target." + k] = v.clone()


# 5. torchvision.ops boxes ---------------------------------------------------------------------------------------------
def _box_cxcywh_to_xyxy(boxes):
    cx, cy, w, h = boxes.unbind(-1)
    x1 = cx - 0.5 * w
    y1 = cy - 0.5 * h
    x2 = cx + 0.5 * w
    y2 = cy + 0.5 * h
    return torch.stack((x1, y1, x2, y2), dim=-1)


def _box_xyxy_to_cxcywh(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    cx = (x1 + x2) / 2
    cy = (y1 + y2) / 2
    w = x2 - x1
    h = y2 - y1
    return torch.stack((cx, cy, w, h), dim=-1)


def _box_xywh_to_xyxy(boxes):
    x, y, w, h = boxes.unbind(-1)
    return torch.stack([x, y, x + w, y + h], dim=-1)


def _box_xyxy_to_xywh(boxes):
    x1, y1, x2, y2 = boxes.unbind(-1)
    w = x2 - x1
    h = y2 - y1
    return torch.stack((x1, y1, w, h), dim=-1)


def box_convert(boxes, in_fmt, out_fmt):
    if in_fmt == out_fmt:
        return boxes.clone()
    if in_fmt != "xyxy" and out_fmt != "xyxy":
        if in_fmt == "xywh":
            boxes = _box_xywh_to_xyxy(boxes)
        elif in_fmt == "cxcywh":
            boxes = _box_cxcywh_to_xyxy(boxes)
        in_fmt = "xyxy"
    if in_fmt == "xyxy":
        if out_fmt == "xywh":
            boxes = _box_xyxy_to_xywh(boxes)
        elif out_fmt == "cxcywh":
            boxes = _box_xyxy_to_cxcywh(boxes)
    elif out_fmt == "xyxy":
        if in_fmt == "xywh":
            boxes = _box_xywh_to_xyxy(boxes)
        elif in_fmt == "cxcywh":
            boxes = _box_cxcywh_to_xyxy(boxes)
    return boxes


def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_inter_union(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    return inter, union


def box_iou(boxes1, boxes2):
    inter, union = _box_inter_union(boxes1, boxes2)
    return inter / union


def nms(boxes, scores, iou_threshold):
    """A hand-written NMS: scores sorted descending, the IoU matrix, the suppression loop."""
    order = scores.argsort(descending=True)
    iou = box_iou(boxes, boxes)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


def _batched_nms_coordinate_trick(boxes, scores, idxs, iou_threshold):
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes) * (max_coordinate + torch.tensor(1).to(boxes))
    boxes_for_nms = boxes + offsets[:, None]
    return nms(boxes_for_nms, scores, iou_threshold)


def _batched_nms_vanilla(boxes, scores, idxs, iou_threshold):
    keep_mask = torch.zeros_like(scores, dtype=torch.bool)
    for class_id in torch.unique(idxs):
        curr_indices = torch.where(idxs == class_id)[0]
        curr_keep_indices = nms(boxes[curr_indices], scores[curr_indices], iou_threshold)
        keep_mask[curr_indices[curr_keep_indices]] = True
    keep_indices = torch.where(keep_mask)[0]
    return keep_indices[scores[keep_indices].sort(descending=True)[1]]


def _upcast(t):
    return t if t.is_floating_point() else t.float()


def _loss_inter_union(boxes1, boxes2):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1 = torch.max(x1, x1g)
    ykis1 = torch.max(y1, y1g)
    xkis2 = torch.min(x2, x2g)
    ykis2 = torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    intsctk, unionk = _loss_inter_union(boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1 = torch.min(x1, x1g)
    yc1 = torch.min(y1, y1g)
    xc2 = torch.max(x2, x2g)
    yc2 = torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    miouk = iouk - ((area_c - unionk) / (area_c + eps))
    loss = 1 - miouk
    if reduction == "mean":
        loss = loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


def _diou_iou_loss(boxes1, boxes2, eps=1e-7):
    intsct, union = _loss_inter_union(boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xc1 = torch.min(x1, x1g)
    yc1 = torch.min(y1, y1g)
    xc2 = torch.max(x2, x2g)
    yc2 = torch.max(y2, y2g)
    diagonal_distance_squared = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    x_p = (x2 + x1) / 2
    y_p = (y2 + y1) / 2
    x_g = (x1g + x2g) / 2
    y_g = (y1g + y2g) / 2
    centers_distance_squared = ((x_p - x_g) ** 2) + ((y_p - y_g) ** 2)
    loss = 1 - iou + (centers_distance_squared / diagonal_distance_squared)
    return loss, iou


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    boxes1 = _upcast(boxes1)
    boxes2 = _upcast(boxes2)
    diou_loss, iou = _diou_iou_loss(boxes1, boxes2, eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    w_pred = x2 - x1
    h_pred = y2 - y1
    w_gt = x2g - x1g
    h_gt = y2g - y1g
    v = (4 / (torch.pi ** 2)) * torch.pow((torch.atan(w_gt / h_gt) - torch.atan(w_pred / h_pred)), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    loss = diou_loss + alpha * v
    if reduction == "mean":
        loss = loss.mean() if loss.numel() > 0 else 0.0 * loss.sum()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


box_xy = torch.rand(10, 2) * 8
box_wh = torch.rand(10, 2) * 4 + 1
det_boxes = f32(torch.cat([box_xy, box_xy + box_wh], 1))
det_boxes[3] = det_boxes[0] + torch.tensor([0.25, 0.25, 0.25, 0.25])  # near-duplicates, so that NMS suppresses
det_boxes[7] = det_boxes[2] + torch.tensor([0.5, 0.0, 0.5, 0.0])
det_boxes[8] = det_boxes[0] - torch.tensor([0.125, 0.25, 0.0, 0.0])
det_boxes = f32(det_boxes)
det_scores = f32(torch.rand(10))
det_idxs = torch.tensor([0, 1, 1, 0, 2, 1, 0, 1, 1, 2])
out["box.boxes"], out["box.scores"], out["box.idxs"] = det_boxes.float(), det_scores.float(), det_idxs
for fmt in ("xywh", "cxcywh"):
    out["box.to_" + fmt] = box_convert(det_boxes, "xyxy", fmt)
    out["box.from_" + fmt] = box_convert(out["box.to_" + fmt], fmt, "xyxy")
out["box.xywh_to_cxcywh"] = box_convert(out["box.to_xywh"], "xywh", "cxcywh")
out["box.iou"] = box_iou(det_boxes, det_boxes[:4])
out["box.nms"] = nms(det_boxes, det_scores, 0.5)
out["box.bnms_trick"] = _batched_nms_coordinate_trick(det_boxes, det_scores, det_idxs, 0.5)
out["box.bnms_vanilla"] = _batched_nms_vanilla(det_boxes, det_scores, det_idxs, 0.5)

breg = nn.Sequential(nn.Linear(5, 12), nn.Tanh(), nn.Linear(12, 4))
with torch.no_grad():
    breg[2].bias.copy_(torch.tensor([4.0, 4.0, 2.0, 2.0]))
save_init("box.init.", breg)
breg_x = f32(torch.randn(3, 6, 5))
gt_c = torch.rand(3, 6, 2) * 6 + 1
gt_wh = torch.rand(3, 6, 2) * 3 + 1
breg_gt = f32(torch.cat([gt_c - gt_wh / 2, gt_c + gt_wh / 2], -1))
out["box.x"], out["box.gt"] = breg_x.float(), breg_gt.float()


def breg_forward(step):
    raw = breg(breg_x[step])
    pred = box_convert(torch.cat([raw[:, :2], F.softplus(raw[:, 2:])], 1), "cxcywh", "xyxy")
    loss = (generalized_box_iou_loss(pred, breg_gt[step], reduction="mean")
            + complete_box_iou_loss(pred, breg_gt[step], reduction="sum") / 6)
    return pred, loss


train("box.", breg, torch.optim.Adam(breg.parameters(), lr=0.05), 3, breg_forward,
      first=lambda p: out.__setitem__("box.pred0", p.detach().clone()))


# 6. xDeepFM (DeepCTR-Torch's FM and CIN) and RWKV-4 -------------------------------------------------------------------
class FM(nn.Module):
    def forward(self, inputs):
        fm_input = inputs
        square_of_sum = torch.pow(torch.sum(fm_input, dim=1, keepdim=True), 2)
        sum_of_square = torch.sum(fm_input * fm_input, dim=1, keepdim=True)
        cross_term = square_of_sum - sum_of_square
        cross_term = 0.5 * torch.sum(cross_term, dim=2, keepdim=False)
        return cross_term


class CIN(nn.Module):
    def __init__(self, field_size, layer_size=(4, 4), split_half=True):
        super().__init__()
        self.layer_size = layer_size
        self.field_nums = [field_size]
        self.split_half = split_half
        self.activation = nn.ReLU()
        self.conv1ds = nn.ModuleList()
        for i, size in enumerate(self.layer_size):
            self.conv1ds.append(nn.Conv1d(self.field_nums[-1] * self.field_nums[0], size, 1))
            if self.split_half:
                self.field_nums.append(size // 2)
            else:
                self.field_nums.append(size)

    def forward(self, inputs):
        batch_size = inputs.shape[0]
        dim = inputs.shape[-1]
        hidden_nn_layers = [inputs]
        final_result = []
        for i, size in enumerate(self.layer_size):
            x = torch.einsum('bhd,bmd->bhmd', hidden_nn_layers[-1], hidden_nn_layers[0])
            x = x.reshape(batch_size, hidden_nn_layers[-1].shape[1] * hidden_nn_layers[0].shape[1], dim)
            x = self.conv1ds[i](x)
            curr_out = self.activation(x)
            if self.split_half:
                if i != len(self.layer_size) - 1:
                    next_hidden, direct_connect = torch.split(curr_out, 2 * [size // 2], 1)
                else:
                    direct_connect = curr_out
                    next_hidden = 0
            else:
                direct_connect = curr_out
                next_hidden = curr_out
            final_result.append(direct_connect)
            hidden_nn_layers.append(next_hidden)
        result = torch.cat(final_result, dim=1)
        return torch.sum(result, -1)


XDFM_VOCAB = (5, 7, 4)


class XDeepFM(nn.Module):
    def __init__(self, emb=4):
        super().__init__()
        self.embedding_dict = nn.ModuleDict({"f%d" % i: nn.Embedding(v, emb) for i, v in enumerate(XDFM_VOCAB)})
        self.linear_dict = nn.ModuleDict({"f%d" % i: nn.Embedding(v, 1) for i, v in enumerate(XDFM_VOCAB)})
        self.fm = FM()
        self.cin = CIN(len(XDFM_VOCAB), (4, 4))
        self.cin_linear = nn.Linear(4 // 2 + 4, 1, bias=False)
        self.dnn = nn.Sequential(nn.Linear(len(XDFM_VOCAB) * emb, 8), nn.ReLU(), nn.Linear(8, 1, bias=False))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, X):
        emb_list = [self.embedding_dict["f%d" % i](X[:, i:i + 1]) for i in range(len(XDFM_VOCAB))]
        lin_list = [self.linear_dict["f%d" % i](X[:, i:i + 1]) for i in range(len(XDFM_VOCAB))]
        linear_logit = torch.sum(torch.cat(lin_list, dim=-1), dim=-1, keepdim=False)
        fm_input = torch.cat(emb_list, dim=1)
        logit = linear_logit + self.fm(fm_input)
        logit = logit + self.cin_linear(self.cin(fm_input))
        dnn_input = torch.flatten(fm_input, start_dim=1)
        logit = logit + self.dnn(dnn_input)
        return logit + self.bias


xdfm = XDeepFM()
with torch.no_grad():
    for e in xdfm.embedding_dict.values():
        e.weight.mul_(0.5)
save_init("xdfm.init.", xdfm)
xdfm_X = torch.stack([torch.randint(0, v, (3, 8)) for v in XDFM_VOCAB], -1)
xdfm_y = torch.randint(0, 2, (3, 8, 1)).double()
out["xdfm.X"], out["xdfm.y"] = xdfm_X, xdfm_y
with torch.no_grad():
    e0 = torch.cat([xdfm.embedding_dict["f%d" % i](xdfm_X[0][:, i:i + 1]) for i in range(3)], 1)
    out["xdfm.fm0"] = xdfm.fm(e0)
    out["xdfm.cin0"] = xdfm.cin(e0)
train("xdfm.", xdfm, torch.optim.Adam(xdfm.parameters(), lr=0.02), 3,
      lambda s: (lambda o: (o, F.binary_cross_entropy_with_logits(o, xdfm_y[s])))(xdfm(xdfm_X[s])),
      first=lambda o: out.__setitem__("xdfm.out0", o.detach().clone()))


def wkv_loop(w, u, k, v):
    """The WKV CUDA kernel's forward as a loop (aa, bb, pp; exp and maximum keep it finite)."""
    B, T, C = k.shape
    aa = torch.zeros(B, C)
    bb = torch.zeros(B, C)
    pp = torch.full((B, C), -1e38)
    y = []
    for t in range(T):
        kk = k[:, t]
        vv = v[:, t]
        ww = u + kk
        p = torch.maximum(pp, ww)
        e1 = torch.exp(pp - p)
        e2 = torch.exp(ww - p)
        y.append((e1 * aa + e2 * vv) / (e1 * bb + e2))
        ww = w + pp
        p = torch.maximum(ww, kk)
        e1 = torch.exp(ww - p)
        e2 = torch.exp(kk - p)
        aa = e1 * aa + e2 * vv
        bb = e1 * bb + e2
        pp = p
    return torch.stack(y, dim=1)


class RWKV_TimeMix(nn.Module):
    def __init__(self, n_embd, layer_id=0, n_layer=1):
        super().__init__()
        attn_sz = n_embd
        ratio_0_to_1 = layer_id / max(n_layer - 1, 1)
        ratio_1_to_almost0 = 1.0 - (layer_id / n_layer)
        decay_speed = torch.ones(attn_sz)
        for h in range(attn_sz):
            decay_speed[h] = -5 + 8 * (h / (attn_sz - 1)) ** (0.7 + 1.3 * ratio_0_to_1)
        self.time_decay = nn.Parameter(decay_speed)
        zigzag = torch.tensor([(i + 1) % 3 - 1 for i in range(attn_sz)]) * 0.5
        self.time_first = nn.Parameter(torch.ones(attn_sz) * math.log(0.3) + zigzag)
        x = torch.ones(1, 1, n_embd)
        for i in range(n_embd):
            x[0, 0, i] = i / n_embd
        self.time_mix_k = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
        self.time_mix_v = nn.Parameter(torch.pow(x, ratio_1_to_almost0) + 0.3 * ratio_0_to_1)
        self.time_mix_r = nn.Parameter(torch.pow(x, 0.5 * ratio_1_to_almost0))
        self.time_shift = nn.ZeroPad2d((0, 0, 1, -1))
        self.key = nn.Linear(n_embd, attn_sz, bias=False)
        self.value = nn.Linear(n_embd, attn_sz, bias=False)
        self.receptance = nn.Linear(n_embd, attn_sz, bias=False)
        self.output = nn.Linear(attn_sz, n_embd, bias=False)

    def forward(self, x):
        xx = self.time_shift(x)
        xk = x * self.time_mix_k + xx * (1 - self.time_mix_k)
        xv = x * self.time_mix_v + xx * (1 - self.time_mix_v)
        xr = x * self.time_mix_r + xx * (1 - self.time_mix_r)
        k = self.key(xk)
        v = self.value(xv)
        r = self.receptance(xr)
        sr = torch.sigmoid(r)
        rwkv = sr * wkv_loop(-torch.exp(self.time_decay), self.time_first, k, v)
        return self.output(rwkv)


class RWKV_ChannelMix(nn.Module):
    def __init__(self, n_embd, layer_id=0, n_layer=1):
        super().__init__()
        self.time_shift = nn.ZeroPad2d((0, 0, 1, -1))
        ratio_1_to_almost0 = 1.0 - (layer_id / n_layer)
        x = torch.ones(1, 1, n_embd)
        for i in range(n_embd):
            x[0, 0, i] = i / n_embd
        self.time_mix_k = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
        self.time_mix_r = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
        hidden_sz = 2 * n_embd
        self.key = nn.Linear(n_embd, hidden_sz, bias=False)
        self.receptance = nn.Linear(n_embd, n_embd, bias=False)
        self.value = nn.Linear(hidden_sz, n_embd, bias=False)

    def forward(self, x):
        xx = self.time_shift(x)
        xk = x * self.time_mix_k + xx * (1 - self.time_mix_k)
        xr = x * self.time_mix_r + xx * (1 - self.time_mix_r)
        k = self.key(xk)
        k = torch.square(torch.relu(k))
        kv = self.value(k)
        return torch.sigmoid(self.receptance(xr)) * kv


class RWKV(nn.Module):
    def __init__(self, vocab=10, n_embd=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, n_embd)
        self.ln0 = nn.LayerNorm(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)
        self.att = RWKV_TimeMix(n_embd)
        self.ffn = RWKV_ChannelMix(n_embd)
        self.ln_out = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx):
        x = self.ln0(self.emb(idx))
        x = x + self.att(self.ln1(x))
        x = x + self.ffn(self.ln2(x))
        return self.head(self.ln_out(x))


rwkv = RWKV()
save_init("rwkv.init.", rwkv)
rwkv_idx = torch.randint(0, 10, (3, 2, 7))
out["rwkv.idx"] = rwkv_idx
with torch.no_grad():
    kq = f32(torch.randn(2, 7, 8) * 3)
    vq = f32(torch.randn(2, 7, 8))
    out["rwkv.wkv.k"], out["rwkv.wkv.v"] = kq.float(), vq.float()
    out["rwkv.wkv.y"] = wkv_loop(-torch.exp(rwkv.att.time_decay), rwkv.att.time_first, kq, vq)
    out["rwkv.shift"] = rwkv.att.time_shift(kq)


def rwkv_forward(step):
    logits = rwkv(rwkv_idx[step][:, :-1])
    return logits, F.cross_entropy(logits.reshape(-1, 10), rwkv_idx[step][:, 1:].reshape(-1))


train("rwkv.", rwkv, torch.optim.Adam(rwkv.parameters(), lr=0.02), 3, rwkv_forward,
      first=lambda o: out.__setitem__("rwkv.logits0", o.detach().clone()))


# float32: DiT's step as the reference runs it (a float32 model, timestep_embedding's float32 frequencies), from the
# trained weights (last: the constructor's initialisation draws would shift every later draw)
DIT_F32_FREQS = True
dit32 = DiT().float()
dit32.load_state_dict({k[len("dit.final."):]: v for k, v in out.items() if k.startswith("dit.final.")})
dit32.train()
o = dit32(dit_x[1].float(), dit_t[1], dit_y[1], dit_drop[1])
loss = F.mse_loss(o[:, :2], dit_noise[1].float()) + 0.1 * o[:, 2:].pow(2).mean()
loss.backward()
out["f32.dit.out"], out["f32.dit.loss"] = o.detach().clone(), loss.detach().clone()
save_grads("f32.dit.grad.", dit32)
DIT_F32_FREQS = False

# float32: the first forward and backward of kan, xdfm and rwkv again with float32 the default type (as the reference
# code runs: rwkv's loop makes its aa, bb, pp in the default type)
torch.set_default_dtype(torch.float32)


def f32_first(prefix, model, init_prefix, forward):
    model.load_state_dict({k[len(init_prefix):]: v for k, v in out.items() if k.startswith(init_prefix)})
    o, loss = forward(model)
    loss.backward()
    out[prefix + "out"], out[prefix + "loss"] = o.detach().clone(), loss.detach().clone()
    save_grads(prefix + "grad.", model)


f32_first("f32.kan.", KAN([3, 5, 2]), "kan.init.",
          lambda m: (lambda o: (o, F.mse_loss(o, kan_y[0].float()) + 1e-3 * m.regularization_loss()))(
              m(kan_x[0].float())))
f32_first("f32.xdfm.", XDeepFM(), "xdfm.init.",
          lambda m: (lambda o: (o, F.binary_cross_entropy_with_logits(o, xdfm_y[0].float())))(m(xdfm_X[0])))
f32_first("f32.rwkv.", RWKV(), "rwkv.init.",
          lambda m: (lambda o: (o, F.cross_entropy(o.reshape(-1, 10), rwkv_idx[0][:, 1:].reshape(-1))))(
              m(rwkv_idx[0][:, :-1])))
torch.set_default_dtype(torch.float64)


# 7. the recipes' misuses: PyTorch's messages (texts18.txt) -------------------------------------------------------------
texts = {}


def message(key, f):
    try:
        f()
    except (RuntimeError, IndexError, ValueError) as ex:
        texts[key] = str(ex).split("\n")[0]
        return
    raise AssertionError(key + " raised nothing")


# DiT's adaLN output chunked into 6 along a dim of another size is fine; chunk(0) is not
message("chunk", lambda: torch.zeros(3, 48).chunk(0, dim=1))
# PatchTST's unfold with a patch longer than the padded series
message("unfold", lambda: torch.zeros(4, 2, 18).unfold(-1, 20, 2))
# unpatchify's einsum with an equation of the wrong rank
message("einsum", lambda: torch.einsum('nhwpqc->nchpwq', torch.zeros(2, 2, 2, 2, 2)))
# KAN's grid.copy_ with a grid of the wrong shape
message("copy", lambda: torch.zeros(3, 12).copy_(torch.zeros(12, 4)))
# MoCo's enqueue past the queue's end (K not a multiple of the batch)
message("enqueue", lambda: torch.zeros(4, 8)[:, 6:10].copy_(torch.zeros(4, 4)))
# CIN's torch.split with sizes that do not add up
message("split", lambda: torch.split(torch.zeros(8, 4, 4), [2, 3], 1))
# batched_nms' offsets of idxs of another length
message("offsets", lambda: torch.zeros(10, 4) + torch.zeros(9)[:, None])
# MoCo's logits /= T with a T that would broadcast the logits
message("div_", lambda: torch.zeros(4, 9).div_(torch.ones(2, 4, 9)))
# MoCo's queue_ptr[0] = ptr on a pointer of another size
message("ptr", lambda: torch.zeros(1, dtype=torch.long).__setitem__(1, 5))
# KAN's x_sorted[indices] with an index past the batch
message("gather", lambda: torch.arange(12.)[torch.tensor([0, 12])])
# KAN's linspace with a negative number of steps (a grid_size of -2)
message("linspace", lambda: torch.linspace(0, 11, -1, dtype=torch.int64))


def set_int_data():
    p = nn.Parameter(torch.ones(2, 2))
    p.data = torch.zeros(3, dtype=torch.long)


# the momentum update's param_k.data = ... with integer data
message("set_data", set_int_data)
with open("texts18.txt", "w") as f:
    for k in sorted(texts):
        f.write(k + "\t" + texts[k] + "\n")

torch.save(out, "programs18.pt")
print(len(out), "entries")
