"""Expected values for OutsiderPrograms6Test (session 31's outsider pass, round 6): vision, geometry and generative
programs written as their papers' reference code writes them, run from PyTorch's initial weights and fixed data, which
are saved beside the outputs, losses, gradients of named parameters after the first backward and parameters after the
last step, so that Ember runs the same steps from the same numbers:
  swin.*   a Swin Transformer block (float64): window partition/reverse by view/permute, a cyclic shift by torch.roll,
           the shifted-window mask built by slice assignments and masked_fill, a relative position bias table indexed
           by a non-persistent index buffer, DropPath (timm's bernoulli_/div_ formula; the masks drawn here are saved,
           Ember's generator being Philox), AdamW with two decay groups
  cnx.*    a ConvNeXt block and head (float32): depthwise 7x7 Conv2d, channels-last LayerNorm by permute, layer scale,
           GELU, inverted bottleneck Linear layers, AdamW, and an EMA of the weights by lerp_ under no_grad and by
           swa_utils.AveragedModel with an EMA avg_fn
  eff.*    MBConv/MobileNetV3 pieces (float64): expand conv, BatchNorm2d with momentum 0.01 / eps 1e-3, depthwise conv,
           squeeze-excitation (SiLU + sigmoid, and Hardsigmoid), Hardswish, ReLU6, mixup and cutmix with fixed lambdas
           and a fixed permutation, label-smoothing cross entropy, SGD with Nesterov momentum; running statistics after
           the steps and an eval forward
  det.*    detection utilities (float64): box IoU / GIoU / DIoU by broadcasting, a greedy NMS loop, torchvision's
           sigmoid focal loss, smooth L1 (beta 1/9) and L1 box losses, anchors by meshgrid, box decoding, top-k
           proposals, RoIAlign-style bilinear sampling by grid_sample(align_corners=False), gradients to the features,
           deltas and logits
  geo.*    geometry (float64): PointNet with a T-net (Conv1d k=1, BatchNorm1d, max over points, identity added,
           orthogonality regulariser) trained with Adam; chamfer distance by cdist and min, k-NN by topk(largest=False);
           NeRF positional encoding, volume rendering (exclusive cumprod by cat of ones), hierarchical sampling by
           searchsorted (sample_pdf, det=True); RAFT-style flow warping by grid_sample(align_corners=True), an all-pairs
           correlation volume by matmul and a local one by unfold
  gen.*    super-resolution / generative (float64): ESPCN (sub-pixel conv, PixelShuffle) with an L1 + image-gradient
           loss, PixelUnshuffle, a WGAN-GP critic step (autograd.grad with create_graph=True on interpolated samples)
           through a spectral-normed critic, AdaIN and InstanceNorm2d, nearest/bilinear upsampling, and checkpoint()
Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs6.pt (a dict of tensors).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

torch.set_default_dtype(torch.float64)
torch.manual_seed(6)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.detach().clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None, each=None):
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
        if each is not None:
            each(step)
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. Swin --------------------------------------------------------------------------------------------------------------
def window_partition(x, ws):
    B, H, W, C = x.shape
    x = x.view(B, H // ws, ws, W // ws, ws, C)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(-1, ws, ws, C)


def window_reverse(windows, ws, H, W):
    B = int(windows.shape[0] / (H * W / ws / ws))
    x = windows.view(B, H // ws, W // ws, ws, ws, -1)
    return x.permute(0, 1, 3, 2, 4, 5).contiguous().view(B, H, W, -1)


DP_MASKS = []  # the DropPath masks drawn in training, in order; Ember reads them back


def drop_path(x, drop_prob, training):
    if drop_prob == 0. or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    DP_MASKS.append(random_tensor.clone())
    random_tensor.div_(keep_prob)
    return x * random_tensor


class DropPath(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.drop_prob = p

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


class WindowAttention(nn.Module):
    def __init__(self, dim, ws, num_heads):
        super().__init__()
        self.ws = ws
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) * (2 * ws - 1), num_heads))
        coords = torch.stack(torch.meshgrid([torch.arange(ws), torch.arange(ws)], indexing="ij"))
        coords_flatten = torch.flatten(coords, 1)
        rel = coords_flatten[:, :, None] - coords_flatten[:, None, :]
        rel = rel.permute(1, 2, 0).contiguous()
        rel[:, :, 0] += ws - 1
        rel[:, :, 1] += ws - 1
        rel[:, :, 0] *= 2 * ws - 1
        self.register_buffer("relative_position_index", rel.sum(-1), persistent=False)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=.02 * 10)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * self.scale
        attn = (q @ k.transpose(-2, -1))
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(
            self.ws * self.ws, self.ws * self.ws, -1)
        bias = bias.permute(2, 0, 1).contiguous()
        attn = attn + bias.unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinBlock(nn.Module):
    def __init__(self, dim, res, num_heads, ws, shift, drop_path_p):
        super().__init__()
        self.res, self.ws, self.shift = res, ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, num_heads)
        self.drop_path = DropPath(drop_path_p)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        H, W = res
        img_mask = torch.zeros((1, H, W, 1))
        slices = (slice(0, -ws), slice(-ws, -shift), slice(-shift, None))
        cnt = 0
        for h in slices:
            for w in slices:
                img_mask[:, h, w, :] = cnt
                cnt += 1
        mw = window_partition(img_mask, ws).view(-1, ws * ws)
        attn_mask = mw.unsqueeze(1) - mw.unsqueeze(2)
        attn_mask = attn_mask.masked_fill(attn_mask != 0, float(-100.0)).masked_fill(attn_mask == 0, float(0.0))
        self.register_buffer("attn_mask", attn_mask, persistent=False)

    def forward(self, x):
        H, W = self.res
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        shifted = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        xw = window_partition(shifted, self.ws).view(-1, self.ws * self.ws, C)
        aw = self.attn(xw, mask=self.attn_mask).view(-1, self.ws, self.ws, C)
        shifted = window_reverse(aw, self.ws, H, W)
        x = torch.roll(shifted, shifts=(self.shift, self.shift), dims=(1, 2)).view(B, H * W, C)
        x = shortcut + self.drop_path(x)
        return x + self.drop_path(self.mlp(self.norm2(x)))


SW_DIM, SW_RES, SW_WS, SW_SHIFT = 8, (8, 8), 4, 2
swin = nn.Sequential(SwinBlock(SW_DIM, SW_RES, 2, SW_WS, 0, 0.25), SwinBlock(SW_DIM, SW_RES, 2, SW_WS, SW_SHIFT, 0.25))
save_state("swin.init.", swin)
out["swin.attn_mask"] = swin[1].attn_mask.clone()
out["swin.rel_index"] = swin[1].attn.relative_position_index.clone()
sw_x = torch.randn(3, 64, SW_DIM)
sw_t = torch.randn(3, 64, SW_DIM)
out["swin.x"], out["swin.t"] = sw_x, sw_t
decay, no_decay = [], []
for n, p in swin.named_parameters():
    (no_decay if p.ndim == 1 or "relative_position_bias_table" in n else decay).append(p)
sw_opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}],
                           lr=3e-3)
swin.train()
train("swin.", swin, sw_opt, 3, lambda s: (lambda y: (y, F.mse_loss(y, sw_t)))(swin(sw_x)),
      first=lambda y: out.__setitem__("swin.y0", y.detach().clone()))
out["swin.dp_masks"] = torch.stack([m.view(-1) for m in DP_MASKS])
swin.eval()
with torch.no_grad():
    out["swin.eval_y"] = swin(sw_x)


# 2. ConvNeXt (float32) ------------------------------------------------------------------------------------------------
class CnxBlock(nn.Module):
    def __init__(self, dim, ls=0.1):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(ls * torch.ones(dim))

    def forward(self, x):
        inp = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)
        x = self.norm(x)
        x = self.pwconv1(x)
        x = self.act(x)
        x = self.pwconv2(x)
        x = self.gamma * x
        x = x.permute(0, 3, 1, 2)
        return inp + x


class Cnx(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, kernel_size=2, stride=2)
        self.block = CnxBlock(8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.block(self.stem(x))
        return self.head(self.norm(x.mean([-2, -1])))


torch.set_default_dtype(torch.float32)
cnx = Cnx()
save_state("cnx.init.", cnx)
cnx_x = torch.randn(4, 3, 12, 12)
cnx_y = torch.tensor([0, 3, 1, 4])
out["cnx.x"], out["cnx.y"] = cnx_x, cnx_y
ema = [p.detach().clone() for p in cnx.parameters()]
avg = torch.optim.swa_utils.AveragedModel(cnx, avg_fn=lambda a, p, n: 0.9 * a + 0.1 * p)


def cnx_ema(step):
    with torch.no_grad():
        for e, p in zip(ema, cnx.parameters()):
            e.lerp_(p, 1 - 0.9)
    avg.update_parameters(cnx)


train("cnx.", cnx, torch.optim.AdamW(cnx.parameters(), lr=4e-3, weight_decay=0.05), 3,
      lambda s: (lambda y: (y, F.cross_entropy(y, cnx_y)))(cnx(cnx_x)),
      first=lambda y: out.__setitem__("cnx.y0", y.detach().clone()), each=cnx_ema)
for (n, _), e in zip(cnx.named_parameters(), ema):
    out["cnx.ema." + n] = e
save_params("cnx.avg.", avg.module)
out["cnx.n_averaged"] = avg.n_averaged.clone()
torch.set_default_dtype(torch.float64)


# 3. EfficientNet / MobileNet pieces -----------------------------------------------------------------------------------
class SE(nn.Module):
    def __init__(self, c, r, hard):
        super().__init__()
        self.fc1 = nn.Conv2d(c, r, 1)
        self.fc2 = nn.Conv2d(r, c, 1)
        self.act = nn.ReLU() if hard else nn.SiLU()
        self.gate = nn.Hardsigmoid() if hard else nn.Sigmoid()

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * self.gate(self.fc2(self.act(self.fc1(s))))


class MBConv(nn.Module):
    def __init__(self, c, e, hard):
        super().__init__()
        act = nn.Hardswish if hard else nn.SiLU
        self.expand = nn.Sequential(nn.Conv2d(c, c * e, 1, bias=False), nn.BatchNorm2d(c * e, eps=1e-3, momentum=0.01),
                                    act())
        self.dw = nn.Sequential(nn.Conv2d(c * e, c * e, 3, padding=1, groups=c * e, bias=False),
                                nn.BatchNorm2d(c * e, eps=1e-3, momentum=0.01), act())
        self.se = SE(c * e, 2, hard)
        self.project = nn.Sequential(nn.Conv2d(c * e, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.project(self.se(self.dw(self.expand(x))))


class EffNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU6())
        self.b1 = MBConv(4, 2, False)
        self.b2 = MBConv(4, 3, True)
        self.head = nn.Linear(4, 6)

    def forward(self, x):
        x = self.b2(self.b1(self.stem(x)))
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


eff = EffNet()
save_state("eff.init.", eff)
eff_x = torch.randn(4, 3, 10, 10)
eff_y = torch.tensor([1, 5, 0, 2])
eff_perm = torch.tensor([2, 0, 3, 1])
out["eff.x"], out["eff.y"], out["eff.perm"] = eff_x, eff_y, eff_perm
MIX_LAM, CUT = 0.7, (2, 7, 3, 9)  # cutmix box rows 2:7, columns 3:9 of 10x10: lam = 1 - 30/100


def eff_forward(step):
    if step % 2 == 0:
        x = MIX_LAM * eff_x + (1 - MIX_LAM) * eff_x[eff_perm, :]
        lam = MIX_LAM
    else:
        x = eff_x.clone()
        y1, y2, x1, x2 = CUT
        x[:, :, y1:y2, x1:x2] = eff_x[eff_perm, :, y1:y2, x1:x2]
        lam = 1 - ((y2 - y1) * (x2 - x1) / (eff_x.size(-1) * eff_x.size(-2)))
    y = eff(x)
    loss = lam * F.cross_entropy(y, eff_y, label_smoothing=0.1) \
        + (1 - lam) * F.cross_entropy(y, eff_y[eff_perm], label_smoothing=0.1)
    return y, loss


eff.train()
train("eff.", eff, torch.optim.SGD(eff.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4), 4,
      eff_forward, first=lambda y: out.__setitem__("eff.y0", y.detach().clone()))
for k, v in eff.state_dict().items():
    if "running" in k or "num_batches" in k:
        out["eff.buf." + k] = v.clone()
eff.eval()
with torch.no_grad():
    out["eff.eval_y"] = eff(eff_x)


# 4. Detection utilities -----------------------------------------------------------------------------------------------
def box_area(b):
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_inter_union(b1, b2):
    a1, a2 = box_area(b1), box_area(b2)
    lt = torch.max(b1[:, None, :2], b2[:, :2])
    rb = torch.min(b1[:, None, 2:], b2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, a1[:, None] + a2 - inter


def box_iou(b1, b2):
    inter, union = box_inter_union(b1, b2)
    return inter / union


def generalized_box_iou(b1, b2):
    inter, union = box_inter_union(b1, b2)
    iou = inter / union
    lti = torch.min(b1[:, None, :2], b2[:, :2])
    rbi = torch.max(b1[:, None, 2:], b2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    areai = whi[:, :, 0] * whi[:, :, 1]
    return iou - (areai - union) / areai


def distance_box_iou(b1, b2, eps=1e-7):
    iou = box_iou(b1, b2)
    lti = torch.min(b1[:, None, :2], b2[:, :2])
    rbi = torch.max(b1[:, None, 2:], b2[:, 2:])
    whi = (rbi - lti).clamp(min=0)
    diag = (whi[:, :, 0] ** 2) + (whi[:, :, 1] ** 2) + eps
    x_p = (b1[:, 0] + b1[:, 2]) / 2
    y_p = (b1[:, 1] + b1[:, 3]) / 2
    x_g = (b2[:, 0] + b2[:, 2]) / 2
    y_g = (b2[:, 1] + b2[:, 3]) / 2
    cd = ((x_p[:, None] - x_g[None, :]) ** 2) + ((y_p[:, None] - y_g[None, :]) ** 2)
    return iou - (cd / diag)


def nms(boxes, scores, thr):
    order = scores.argsort(descending=True)
    keep = []
    while order.numel() > 0:
        i = order[0]
        keep.append(i)
        if order.numel() == 1:
            break
        ious = box_iou(boxes[i].unsqueeze(0), boxes[order[1:]])[0]
        order = order[1:][ious <= thr]
    return torch.stack(keep)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).sum()


def anchors(fh, fw, stride, scales, ratios):
    h_ratios = torch.sqrt(ratios)
    w_ratios = 1 / h_ratios
    ws = (w_ratios[:, None] * scales[None, :]).view(-1)
    hs = (h_ratios[:, None] * scales[None, :]).view(-1)
    base = (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()
    sx = torch.arange(0, fw) * stride
    sy = torch.arange(0, fh) * stride
    shift_y, shift_x = torch.meshgrid(sy, sx, indexing="ij")
    shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
    shifts = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
    return (shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4)


def decode(deltas, boxes, clip=math.log(1000.0 / 16)):
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    cx = boxes[:, 0] + 0.5 * w
    cy = boxes[:, 1] + 0.5 * h
    dx, dy, dw, dh = deltas.unbind(1)
    dw = torch.clamp(dw, max=clip)
    dh = torch.clamp(dh, max=clip)
    pcx, pcy = dx * w + cx, dy * h + cy
    pw, ph = torch.exp(dw) * w, torch.exp(dh) * h
    return torch.stack([pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw, pcy + 0.5 * ph], dim=1)


def roi_align(feat, rois, out_size, sampling, img_scale):
    # aligned=True RoIAlign written with grid_sample: sampling x sampling points per bin, averaged
    C, H, W = feat.shape[1:]
    res = []
    for r in range(rois.shape[0]):
        b = int(rois[r, 0])
        x1, y1, x2, y2 = (rois[r, 1:] * img_scale - 0.5).unbind(0)
        bw, bh = (x2 - x1) / out_size, (y2 - y1) / out_size
        steps = (torch.arange(out_size * sampling) + 0.5) / sampling
        xs = x1 + steps * bw
        ys = y1 + steps * bh
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        grid = torch.stack([(2 * gx + 1) / W - 1, (2 * gy + 1) / H - 1], dim=-1).unsqueeze(0)
        s = F.grid_sample(feat[b:b + 1], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        res.append(F.avg_pool2d(s, sampling))
    return torch.cat(res)


det_boxes = torch.rand(10, 2) * 20
det_boxes = torch.cat([det_boxes, det_boxes + 4 + torch.rand(10, 2) * 10], 1)
det_boxes[3] = det_boxes[1] + torch.tensor([0.5, -0.3, 0.2, 0.4])
det_boxes[7] = det_boxes[1] + torch.tensor([1.0, 0.5, -0.5, 0.0])
det_scores = torch.rand(10)
det_gt = torch.tensor([[1.0, 2.0, 9.0, 12.0], [10.0, 4.0, 20.0, 15.0], [3.0, 3.0, 30.0, 28.0]])
out["det.boxes"], out["det.scores"], out["det.gt"] = det_boxes, det_scores, det_gt
out["det.iou"] = box_iou(det_boxes, det_gt)
out["det.giou"] = generalized_box_iou(det_boxes, det_gt)
out["det.diou"] = distance_box_iou(det_boxes, det_gt)
out["det.nms"] = nms(det_boxes, det_scores, 0.5)
anc = anchors(3, 4, 8, torch.tensor([8.0, 16.0]), torch.tensor([0.5, 1.0, 2.0]))
out["det.anchors"] = anc
det_feat = torch.randn(2, 3, 6, 8, requires_grad=True)
det_deltas = (0.3 * torch.randn(anc.shape[0], 4)).requires_grad_()
det_logits = torch.randn(anc.shape[0], 4, requires_grad=True)
out["det.feat"], out["det.deltas"], out["det.logits"] = det_feat.detach().clone(), det_deltas.detach().clone(), \
    det_logits.detach().clone()
labels = torch.zeros(anc.shape[0], 4)
match = box_iou(anc, det_gt)
mval, midx = match.max(1)
pos = mval >= 0.3
labels[pos, (midx[pos] % 4)] = 1.0
out["det.labels"] = labels
pred = decode(det_deltas, anc)
out["det.pred"] = pred.detach().clone()
obj = det_logits.sigmoid().max(1).values
top = obj.topk(5)
out["det.top_idx"] = top.indices
props = pred[top.indices]
rois = torch.cat([torch.tensor([[0.0], [1.0], [0.0], [1.0], [1.0]]), props.clamp(0, 32)], 1)
pooled = roi_align(det_feat, rois, 2, 2, 0.25)
out["det.pooled"] = pooled.detach().clone()
focal = sigmoid_focal_loss(det_logits, labels) / max(1, int(pos.sum()))
reg = F.smooth_l1_loss(pred[pos], det_gt[midx[pos]], beta=1 / 9, reduction="sum") / max(1, int(pos.sum()))
l1 = F.l1_loss(pred[pos], det_gt[midx[pos]])
giou_loss = (1 - torch.diag(generalized_box_iou(pred[pos], det_gt[midx[pos]]))).mean()
det_loss = focal + reg + 0.1 * l1 + giou_loss + pooled.pow(2).mean()
det_loss.backward()
out["det.losses"] = torch.stack([focal, reg, l1, giou_loss, det_loss]).detach()
out["det.feat_grad"], out["det.deltas_grad"], out["det.logits_grad"] = det_feat.grad, det_deltas.grad, det_logits.grad


# 5. Geometry / 3-D ----------------------------------------------------------------------------------------------------
class TNet(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.conv1 = nn.Conv1d(k, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.bn1 = nn.BatchNorm1d(16)
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, k * k)

    def forward(self, x):
        B = x.size(0)
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.conv2(x))
        x = torch.max(x, 2, keepdim=True)[0].view(-1, 32)
        x = self.fc2(F.relu(self.fc1(x)))
        iden = torch.eye(self.k).view(1, self.k * self.k).repeat(B, 1)
        return (x + iden).view(-1, self.k, self.k)


class PointNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stn = TNet(3)
        self.conv1 = nn.Conv1d(3, 16, 1)
        self.conv2 = nn.Conv1d(16, 32, 1)
        self.bn1 = nn.BatchNorm1d(16)
        self.bn2 = nn.BatchNorm1d(32)
        self.fc = nn.Linear(32, 4)

    def forward(self, x):
        trans = self.stn(x)
        x = torch.bmm(x.transpose(2, 1), trans).transpose(2, 1)
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = torch.max(x, 2)[0]
        return F.log_softmax(self.fc(x), dim=1), trans


pn = PointNet()
save_state("geo.pn.init.", pn)
pts = torch.randn(4, 3, 20)
pn_y = torch.tensor([0, 3, 2, 1])
out["geo.pts"], out["geo.pn_y"] = pts, pn_y


def pn_forward(step):
    logp, trans = pn(pts)
    I = torch.eye(3)[None]
    reg = torch.mean(torch.norm(torch.bmm(trans, trans.transpose(2, 1)) - I, dim=(1, 2)))
    return logp, F.nll_loss(logp, pn_y) + 0.001 * reg


pn.train()
train("geo.pn.", pn, torch.optim.Adam(pn.parameters(), lr=1e-2, betas=(0.9, 0.999)), 3, pn_forward,
      first=lambda y: out.__setitem__("geo.pn.y0", y.detach().clone()))

p1 = torch.randn(2, 12, 3, requires_grad=True)
p2 = torch.randn(2, 9, 3)
out["geo.p1"], out["geo.p2"] = p1.detach().clone(), p2
d = torch.cdist(p1, p2) ** 2
chamfer = d.min(2)[0].mean(1) + d.min(1)[0].mean(1)
knn = torch.cdist(p1, p1).topk(4, dim=-1, largest=False)
out["geo.chamfer"] = chamfer.detach().clone()
out["geo.knn_idx"], out["geo.knn_d"] = knn.indices, knn.values.detach().clone()
nbr = torch.gather(p1.unsqueeze(1).expand(-1, 12, -1, -1), 2, knn.indices.unsqueeze(-1).expand(-1, -1, -1, 3))
local = (nbr - p1.unsqueeze(2)).pow(2).sum(-1).mean()
(chamfer.sum() + local).backward()
out["geo.p1_grad"] = p1.grad.clone()


def posenc(x, L):
    outs = [x]
    for k in range(L):
        outs += [torch.sin((2.0 ** k) * x), torch.cos((2.0 ** k) * x)]
    return torch.cat(outs, -1)


def sample_pdf(bins, weights, N, det=True):
    weights = weights + 1e-5
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cumsum(pdf, -1)
    cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf], -1)
    u = torch.linspace(0., 1., steps=N).expand(list(cdf.shape[:-1]) + [N]).contiguous()
    inds = torch.searchsorted(cdf, u, right=True)
    below = torch.max(torch.zeros_like(inds - 1), inds - 1)
    above = torch.min((cdf.shape[-1] - 1) * torch.ones_like(inds), inds)
    inds_g = torch.stack([below, above], -1)
    matched = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
    cdf_g = torch.gather(cdf.unsqueeze(1).expand(matched), 2, inds_g)
    bins_g = torch.gather(bins.unsqueeze(1).expand(matched), 2, inds_g)
    denom = (cdf_g[..., 1] - cdf_g[..., 0])
    denom = torch.where(denom < 1e-5, torch.ones_like(denom), denom)
    t = (u - cdf_g[..., 0]) / denom
    return bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])


nerf = nn.Sequential(nn.Linear(3 + 3 * 2 * 4, 32), nn.ReLU(), nn.Linear(32, 4))
save_state("geo.nerf.init.", nerf)
rays_o = torch.randn(5, 3) * 0.1
rays_d = F.normalize(torch.randn(5, 3), dim=-1)
target = torch.rand(5, 3)
out["geo.rays_o"], out["geo.rays_d"], out["geo.target"] = rays_o, rays_d, target


def render(z):
    pts_ = rays_o[:, None, :] + rays_d[:, None, :] * z[..., :, None]
    raw = nerf(posenc(pts_, 4))
    rgb = torch.sigmoid(raw[..., :3])
    sigma = F.relu(raw[..., 3])
    dists = z[..., 1:] - z[..., :-1]
    dists = torch.cat([dists, torch.tensor([1e10]).expand(dists[..., :1].shape)], -1)
    dists = dists * torch.norm(rays_d[..., None, :], dim=-1)
    alpha = 1. - torch.exp(-sigma * dists)
    weights = alpha * torch.cumprod(torch.cat([torch.ones((alpha.shape[0], 1)), 1. - alpha + 1e-10], -1), -1)[:, :-1]
    return torch.sum(weights[..., None] * rgb, -2), weights


def nerf_forward(step):
    z = torch.linspace(2., 6., 8).expand(5, 8)
    rgb0, w0 = render(z)
    mids = .5 * (z[..., 1:] + z[..., :-1])
    zs = sample_pdf(mids, w0[..., 1:-1].detach(), 6)
    zall, _ = torch.sort(torch.cat([z, zs], -1), -1)
    rgb1, _ = render(zall)
    if step == 0:
        out["geo.nerf.zs"] = zs.clone()
        out["geo.nerf.w0"] = w0.detach().clone()
    return rgb1, F.mse_loss(rgb0, target) + F.mse_loss(rgb1, target)


train("geo.nerf.", nerf, torch.optim.Adam(nerf.parameters(), lr=5e-3), 3, nerf_forward,
      first=lambda y: out.__setitem__("geo.nerf.rgb0", y.detach().clone()))


def coords_grid(B, H, W):
    ys, xs = torch.meshgrid(torch.arange(H), torch.arange(W), indexing="ij")
    return torch.stack([xs, ys], 0).double()[None].repeat(B, 1, 1, 1)


def warp(img, flow):
    B, C, H, W = img.shape
    coords = (coords_grid(B, H, W) + flow).permute(0, 2, 3, 1)
    xg, yg = coords.split([1, 1], dim=-1)
    xg = 2 * xg / (W - 1) - 1
    yg = 2 * yg / (H - 1) - 1
    return F.grid_sample(img, torch.cat([xg, yg], -1), align_corners=True)


f1 = torch.randn(2, 4, 5, 6, requires_grad=True)
f2 = torch.randn(2, 4, 5, 6, requires_grad=True)
flow = (1.5 * torch.randn(2, 2, 5, 6)).requires_grad_()
out["geo.f1"], out["geo.f2"], out["geo.flow"] = f1.detach().clone(), f2.detach().clone(), flow.detach().clone()
warped = warp(f2, flow)
B_, C_, H_, W_ = f1.shape
corr = torch.matmul(f1.view(B_, C_, H_ * W_).transpose(1, 2), f2.view(B_, C_, H_ * W_)).view(B_, H_, W_, 1, H_, W_)
corr = corr / torch.sqrt(torch.tensor(C_).double())
corr_e = torch.einsum("bchw,bcij->bhwij", f1, f2) / math.sqrt(C_)
local = (F.unfold(f2, 3, padding=1).view(B_, C_, 9, H_, W_) * f1.unsqueeze(2)).sum(1)
out["geo.warped"] = warped.detach().clone()
out["geo.corr"] = corr.detach().clone()
out["geo.local"] = local.detach().clone()
(warped.pow(2).mean() + (corr.view(B_, H_, W_, H_, W_) * corr_e).mean() + local.tanh().sum() + (warped - f1).abs().mean()).backward()
out["geo.f1_grad"], out["geo.f2_grad"], out["geo.flow_grad"] = f1.grad, f2.grad, flow.grad


# 6. Super-resolution / generative -------------------------------------------------------------------------------------
class ESPCN(nn.Module):
    def __init__(self, r=2):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 5, padding=2)
        self.conv2 = nn.Conv2d(8, 4, 3, padding=1)
        self.conv3 = nn.Conv2d(4, r * r, 3, padding=1)
        self.ps = nn.PixelShuffle(r)

    def forward(self, x):
        x = torch.tanh(self.conv1(x))
        x = torch.tanh(self.conv2(x))
        return self.ps(self.conv3(x))


def grad_loss(a, b):
    dxa, dxb = a[..., :, 1:] - a[..., :, :-1], b[..., :, 1:] - b[..., :, :-1]
    dya, dyb = a[..., 1:, :] - a[..., :-1, :], b[..., 1:, :] - b[..., :-1, :]
    return (dxa - dxb).abs().mean() + (dya - dyb).abs().mean()


sr = ESPCN()
save_state("gen.sr.init.", sr)
hr = torch.rand(2, 1, 8, 8)
lr_img = F.interpolate(hr, scale_factor=0.5, mode="bilinear", align_corners=False)
out["gen.hr"], out["gen.lr"] = hr, lr_img
out["gen.unshuffle"] = F.pixel_unshuffle(hr, 2)
train("gen.sr.", sr, torch.optim.Adam(sr.parameters(), lr=1e-2), 3,
      lambda s: (lambda y: (y, F.l1_loss(y, hr) + 0.5 * grad_loss(y, hr)))(sr(lr_img)),
      first=lambda y: out.__setitem__("gen.sr.y0", y.detach().clone()))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.utils.parametrizations.spectral_norm(nn.Conv2d(1, 4, 3, stride=2, padding=1))
        self.fc = nn.utils.parametrizations.spectral_norm(nn.Linear(4 * 4 * 4, 1))

    def forward(self, x):
        return self.fc(F.leaky_relu(self.conv(x), 0.2).flatten(1))


critic = Critic()
critic.train()
save_state("gen.critic.init.", critic)
real = torch.rand(3, 1, 8, 8)
fake = torch.rand(3, 1, 8, 8)
eps = torch.rand(3, 1, 1, 1)
out["gen.real"], out["gen.fake"], out["gen.eps"] = real, fake, eps
c_opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))


def wgan_forward(step):
    d_real = critic(real).mean()
    d_fake = critic(fake).mean()
    interp = (eps * real + (1 - eps) * fake).requires_grad_(True)
    d_i = critic(interp)
    g = torch.autograd.grad(d_i, interp, grad_outputs=torch.ones_like(d_i), create_graph=True, retain_graph=True)[0]
    gp = ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean()
    if step == 0:
        out["gen.gp"] = gp.detach().clone()
    return d_i, d_fake - d_real + 10 * gp


train("gen.critic.", critic, c_opt, 3, wgan_forward, first=lambda y: out.__setitem__("gen.critic.y0", y.detach().clone()))
save_state("gen.critic.state.", critic)


def adain(content, style, eps=1e-5):
    N, C = content.shape[:2]
    sv = style.view(N, C, -1).var(dim=2) + eps
    s_std, s_mean = sv.sqrt().view(N, C, 1, 1), style.view(N, C, -1).mean(dim=2).view(N, C, 1, 1)
    cv = content.view(N, C, -1).var(dim=2) + eps
    c_std, c_mean = cv.sqrt().view(N, C, 1, 1), content.view(N, C, -1).mean(dim=2).view(N, C, 1, 1)
    return (content - c_mean.expand(content.size())) / c_std.expand(content.size()) * s_std.expand(content.size()) \
        + s_mean.expand(content.size())


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.inorm = nn.InstanceNorm2d(3, affine=True)
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv2 = nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect")

    def block(self, x):
        return self.conv2(self.up(F.relu(self.conv(self.inorm(x)))))

    def forward(self, x):
        return checkpoint(self.block, x, use_reentrant=False)


dec = Decoder()
save_state("gen.dec.init.", dec)
content = torch.randn(2, 3, 4, 5, requires_grad=True)
style = torch.randn(2, 3, 6, 6) * 2 + 1
out["gen.content"], out["gen.style"] = content.detach().clone(), style
t = adain(content, style)
y = dec(t)
yb = F.interpolate(y, size=(5, 7), mode="bilinear", align_corners=False)
out["gen.adain"], out["gen.dec_y"], out["gen.dec_yb"] = t.detach().clone(), y.detach().clone(), yb.detach().clone()
yb.pow(2).mean().backward()
save_grads("gen.dec.grad0.", dec)
out["gen.content_grad"] = content.grad.clone()


# 7. Probes: what these programs' users vary next ----------------------------------------------------------------------
torch.manual_seed(7)
# grid_sample: every padding mode and interpolation, both align_corners, points outside the image, both gradients
gs_in = torch.randn(2, 3, 5, 6)
gs_grid = torch.rand(2, 4, 7, 2) * 2.6 - 1.3
gs_grid[0, 0, 0] = torch.tensor([1.0, -1.0])  # exactly on the borders
gs_grid[0, 0, 1] = torch.tensor([-1.0, 1.0])
out["probe.gs.in"], out["probe.gs.grid"] = gs_in, gs_grid
for mode in ["bilinear", "nearest", "bicubic"]:
    for pad in ["zeros", "border", "reflection"]:
        for ac in [False, True]:
            i = gs_in.clone().requires_grad_()
            g = gs_grid.clone().requires_grad_()
            y = F.grid_sample(i, g, mode=mode, padding_mode=pad, align_corners=ac)
            w = torch.linspace(-1, 1, y.numel()).view(y.shape)
            (y * w).sum().backward()
            key = "probe.gs.%s.%s.%d." % (mode, pad, int(ac))
            out[key + "y"], out[key + "in_grad"] = y.detach(), i.grad
            if mode != "nearest":
                out[key + "grid_grad"] = g.grad
# roll: a transposed input, shifts past the size, negative dims, no dims
r_in = torch.arange(24.).view(4, 6).t()
out["probe.roll.a"] = torch.roll(r_in, shifts=(9, -13), dims=(0, -1))
out["probe.roll.b"] = torch.roll(r_in, 5)
# searchsorted: left/right, a sorter, int32, ties, a 1-D sequence for N-D values
ss_seq = torch.tensor([[0., 1., 1., 1., 3., 7.], [-2., -2., 0., 0.5, 0.5, 9.]])
ss_val = torch.tensor([[1., -5., 7., 8.], [0.5, -2., 9., 0.]])
out["probe.ss.left"] = torch.searchsorted(ss_seq, ss_val)
out["probe.ss.right"] = torch.searchsorted(ss_seq, ss_val, right=True)
uns = torch.tensor([3., 1., 7., 1., 0.])
out["probe.ss.sorter"] = torch.searchsorted(uns, torch.tensor([[1., 2.], [7., -1.]]), side="right",
                                            sorter=torch.argsort(uns, stable=True))
out["probe.ss.int32"] = torch.searchsorted(ss_seq[0], ss_val, out_int32=True)
# activations exactly at their kinks: gradients
kinks = torch.tensor([-3., 3., 0., 6., -3.5, 3.5, 1e-300, -1e-300, 2.999999, -2.999999], requires_grad=True)
out["probe.kinks"] = kinks.detach().clone()
for name, fn in [("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid), ("relu6", F.relu6),
                 ("silu", F.silu), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
                 ("leaky", lambda x: F.leaky_relu(x, 0.2)), ("hardtanh", lambda x: F.hardtanh(x, -3., 3.))]:
    kinks.grad = None
    y = fn(kinks)
    y.backward(torch.ones_like(y))
    out["probe.act.%s.y" % name] = y.detach()
    out["probe.act.%s.grad" % name] = kinks.grad.clone()
# PyTorch 2.x (pytorch/pytorch#148049, after 2.6) takes hardswish's gradient as 0 at x = -3 and 1 at x = 3 (the outer
# branches, as its documentation's cases); 1.13 takes the middle branch there (-0.5 and 1.5). Follow 2.x:
hs = out["probe.act.hardswish.grad"]
hs[kinks.detach() == -3.] = 0.0
hs[kinks.detach() == 3.] = 1.0
# lerp's two formulas (weight below and from 0.5) in float32, bit for bit, and a tensor weight
la = torch.randn(50, dtype=torch.float32)
lb = torch.randn(50, dtype=torch.float32) * 3
lw = torch.rand(50, dtype=torch.float32)
out["probe.lerp.a"], out["probe.lerp.b"], out["probe.lerp.w"] = la, lb, lw
out["probe.lerp.s03"] = la.clone().lerp_(lb, 0.3)
out["probe.lerp.s07"] = la.clone().lerp_(lb, 0.7)
out["probe.lerp.s05"] = torch.lerp(la, lb, 0.5)
out["probe.lerp.t"] = torch.lerp(la, lb, lw)
# interpolate's bicubic both ways, nearest-exact, area; gradients
ip = torch.randn(1, 2, 5, 7, requires_grad=True)
out["probe.ip.in"] = ip.detach().clone()
for name, kw in [("bicubic0", dict(size=(8, 9), mode="bicubic", align_corners=False)),
                 ("bicubic1", dict(size=(8, 9), mode="bicubic", align_corners=True)),
                 ("nearest_exact", dict(size=(8, 11), mode="nearest-exact")),
                 ("nearest", dict(size=(8, 11), mode="nearest")),
                 ("area", dict(size=(3, 4), mode="area")),
                 ("bilinear_sf", dict(scale_factor=1.7, mode="bilinear", align_corners=False))]:
    ip.grad = None
    y = F.interpolate(ip, **kw)
    (y * torch.linspace(-1, 2, y.numel()).view(y.shape)).sum().backward()
    out["probe.ip.%s.y" % name], out["probe.ip.%s.grad" % name] = y.detach(), ip.grad.clone()
# unfold with stride, dilation and padding, and fold back (overlaps summed)
uf = torch.randn(2, 3, 7, 8, requires_grad=True)
out["probe.uf.in"] = uf.detach().clone()
cols = F.unfold(uf, (3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3))
back = F.fold(cols, (7, 8), (3, 2), dilation=(2, 1), padding=(1, 2), stride=(2, 3))
out["probe.uf.cols"], out["probe.uf.back"] = cols.detach(), back.detach()
(back * torch.linspace(0, 1, back.numel()).view(back.shape)).sum().backward()
out["probe.uf.grad"] = uf.grad
# cdist p = 1, inf and 2 through itself (zero distances) and its gradient
cd = torch.randn(2, 5, 3, requires_grad=True)
out["probe.cd.in"] = cd.detach().clone()
for p in [1.0, 2.0, float("inf"), 0.5]:
    cd.grad = None
    d = torch.cdist(cd, cd, p=p)
    (d * torch.linspace(0, 1, d.numel()).view(d.shape)).sum().backward()
    out["probe.cd.%s.y" % p], out["probe.cd.%s.grad" % p] = d.detach(), cd.grad.clone()
# InstanceNorm2d tracking running stats, train then eval; spectral norm in eval (no power iteration)
inn = nn.InstanceNorm2d(3, affine=True, track_running_stats=True, momentum=0.3)
inx = torch.randn(2, 3, 4, 5)
out["probe.in.x"] = inx
out["probe.in.train_y"] = inn(inx).detach()
out["probe.in.running_mean"], out["probe.in.running_var"] = inn.running_mean.clone(), inn.running_var.clone()
inn.eval()
out["probe.in.eval_y"] = inn(inx).detach()
# meshgrid "xy" and einsum's diagonal and ellipsis forms
out["probe.mg.xy0"], out["probe.mg.xy1"] = torch.meshgrid(torch.arange(3.), torch.arange(4.), indexing="xy")
es = torch.randn(2, 4, 4)
out["probe.es.in"] = es
out["probe.es.diag"] = torch.einsum("bii->bi", es)
out["probe.es.ell"] = torch.einsum("...ij,...jk->...ik", es, es)
out["probe.es.trace"] = torch.einsum("bii->b", es)


# 8. channels_last: the EfficientNet pieces with model and input in torch.channels_last, trained with Adam --------------
def strides(t):
    return torch.tensor(t.stride())


cl = EffNet()
cl.load_state_dict({k[len("eff.init."):]: v for k, v in out.items() if k.startswith("eff.init.")})
cl = cl.to(memory_format=torch.channels_last)
cl_x = eff_x.contiguous(memory_format=torch.channels_last)
out["cl.x_strides"] = strides(cl_x)
out["cl.w_strides"] = strides(cl.b1.dw[0].weight)
out["cl.flags"] = torch.tensor([cl_x.is_contiguous(), cl_x.is_contiguous(memory_format=torch.channels_last),
                                eff_x.is_contiguous(memory_format=torch.channels_last),
                                eff_x[:, :1].is_contiguous(memory_format=torch.channels_last),
                                eff_x.to(memory_format=torch.channels_last).is_contiguous(memory_format=torch.channels_last),
                                cl.head.weight.is_contiguous()])
out["cl.stem_strides"] = strides(cl.stem(cl_x))
out["cl.b1_strides"] = strides(cl.b1(cl.stem(cl_x)))
cl.train()


def cl_forward(step):
    y = cl(cl_x)
    return y, F.cross_entropy(y, eff_y, label_smoothing=0.1)


def cl_first(y):
    out["cl.y0"] = y.detach().clone()
    out["cl.grad_strides"] = strides(cl.b1.dw[0].weight.grad)


train("cl.", cl, torch.optim.Adam(cl.parameters(), lr=1e-2), 3, cl_forward, first=cl_first)
out["cl.final_strides"] = strides(cl.b1.dw[0].weight)

torch.save(out, "programs6.pt")
print(len(out), "tensors; losses:", {k: v.tolist() for k, v in out.items() if k.endswith("loss") and v.dim() == 1})
print("nms", out["det.nms"].tolist(), "dp masks", out["swin.dp_masks"].tolist())
