"""Expected values for OutsiderPrograms9Test (session 33's outsider pass, round 9): programs from well-known
repositories the earlier rounds did not port, each written as that repository's reference code writes it, run here in
float64 (the default type) from PyTorch's initial weights and fixed data, which are saved beside the losses, gradients
of named parameters after the first backward, parameters after the last step and outputs:
  gnn.*    PyTorch Geometric's layers written with index ops, not sparse: GCNConv's gcn_norm (self loops, degrees by
           scatter_add_, deg.pow(-0.5) with masked_fill_ of inf, a layer without self loops over an isolated node),
           GATConv (two heads, leaky_relu 0.2, PyG's softmax by scatter_reduce amax of the detached scores with
           include_self=False, scatter_add of exp, + 1e-16), GINConv with a trainable eps and sum aggregation by
           index_add_, global mean pool (index_add_ / bincount) and global max pool (scatter_reduce amax), Adam
  obj.*    objectives from papers: ArcFace as arcface-pytorch's ArcMarginProduct (sqrt of clamped 1 - cos^2,
           torch.where(cos > th, phi, cos - mm), one_hot by scatter_) and as insightface's arcface_torch (arccos_,
           margin, cos_ in place under no_grad: a straight-through gradient); DINO (multi-crop student, a weight-normed
           last layer with weight_g frozen at 1, teacher centering and sharpening with a warmup temperature schedule,
           the center's EMA, per-parameter gradient clipping, the teacher's EMA); BYOL as byol-pytorch (projector and
           predictor with BatchNorm1d, the two views concatenated, a target network by deepcopy updated by EMA,
           2 - 2 cos); center loss as KaiyangZhou's (distmat.addmm_(x, centers.t(), beta=1, alpha=-2), a mask by eq,
           clamp, the centers' own SGD with their gradient rescaled by 1 / weight_cent)
  sci.*    a Fourier Neural Operator as neuraloperator's fourier_2d.py (rfft2, complex weights, the two corner blocks
           of modes written into a complex zeros tensor by slice assignment, einsum "bixy,ioxy->boxy", irfft2 with s,
           the grid channels, 1x1 Conv2d skips, gelu), Adam on the complex weights; a Hamiltonian neural network as
           Greydanus' (autograd.grad of H with create_graph, the symplectic permutation M, MSE on the time
           derivatives), Adam
  seq.*    RWKV-4's time mixing and channel mixing (the token shift by nn.ZeroPad2d((0, 0, 1, -1)), time_mix
           interpolations, the WKV recurrence written in ops with the running maximum for stability, squared ReLU),
           AdamW; locuslab's TCN (weight_norm'd dilated causal Conv1d, Chomp1d, a 1x1 downsample, normal_(0, 0.01)
           initialization), the old weight_g/weight_v state dict loaded into 2.x's parametrization; MLP-Mixer as
           Google's reference (token mixing by transpose, channel mixing, LayerNorm) and as lucidrains' (token mixing
           by Conv1d with kernel 1)
  dif.*    a DDPM training step with a small UNet as Ho's/ermongroup's (sinusoidal embedding, ResnetBlock with
           GroupNorm, SiLU (x*sigmoid) and the time projection, an AttnBlock of 1x1 convs with bmm and softmax over
           dim 2, a strided conv down, nearest Upsample by F.interpolate, skip concatenation), q_sample by gather of
           sqrt(alphas_cumprod) by t, MSE on the noise, Adam; one DDIM step as ermongroup/ddim's generalized_steps
           (compute_alpha with a zero prepended, index_select, eta)

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs9.pt (a dict of tensors).
"""
import copy
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.manual_seed(9)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def new_name(k):
    """2.x's parametrization names for the old weight_norm's weight_g and weight_v (the Java port uses 2.x's)."""
    return k.replace("weight_g", "parametrizations.weight.original0").replace("weight_v",
                                                                            "parametrizations.weight.original1")


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + new_name(k)] = p.detach().clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + new_name(k)] = p.grad.clone()


def train(prefix, model, opt, steps, forward, first=None, after=None):
    """steps optimizer steps of forward() -> (output, loss), as OutsiderPrograms7's generator."""
    save_state(prefix + "init.", model)
    losses = []
    for step in range(steps):
        opt.zero_grad()
        y, loss = forward()
        loss.backward()
        if step == 0:
            if first is not None:
                first(y)
            save_grads(prefix + "grad0.", model)
        if after is not None:
            after()
        opt.step()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_params(prefix + "final.", model)


# 1. graph networks as PyTorch Geometric writes them -------------------------------------------------------------------
def gcn_norm(edge_index, num_nodes, add_self_loops=True):
    row, col = edge_index[0], edge_index[1]
    edge_weight = torch.ones(edge_index.size(1))
    if add_self_loops:
        loop = torch.arange(num_nodes)
        row = torch.cat([row, loop])
        col = torch.cat([col, loop])
        edge_weight = torch.cat([edge_weight, torch.ones(num_nodes)])
    deg = torch.zeros(num_nodes).scatter_add_(0, col, edge_weight)
    deg_inv_sqrt = deg.pow(-0.5)
    deg_inv_sqrt.masked_fill_(deg_inv_sqrt == float('inf'), 0)
    return row, col, deg_inv_sqrt[row] * edge_weight * deg_inv_sqrt[col]


class GCNConv(nn.Module):
    def __init__(self, i, o, add_self_loops=True):
        super().__init__()
        self.add_self_loops = add_self_loops
        self.lin = nn.Linear(i, o, bias=False)
        self.bias = nn.Parameter(torch.randn(o) * 0.1)

    def forward(self, x, edge_index):
        row, col, norm = gcn_norm(edge_index, x.size(0), self.add_self_loops)
        x = self.lin(x)
        msg = norm.view(-1, 1) * x[row]
        return torch.zeros_like(x).index_add_(0, col, msg) + self.bias


def pyg_softmax(src, index, num_nodes):
    idx = index.view(-1, 1).expand_as(src)
    src_max = src.new_zeros(num_nodes, src.size(1)).scatter_reduce(0, idx, src.detach(), reduce='amax',
                                                                     include_self=False)
    o = (src - src_max.index_select(0, index)).exp()
    o_sum = src.new_zeros(num_nodes, src.size(1)).scatter_add(0, idx, o) + 1e-16
    return o / o_sum.index_select(0, index)


class GATConv(nn.Module):
    def __init__(self, i, o, heads):
        super().__init__()
        self.heads, self.out_channels = heads, o
        self.lin = nn.Linear(i, heads * o, bias=False)
        self.att_src = nn.Parameter(torch.randn(1, heads, o) * 0.5)
        self.att_dst = nn.Parameter(torch.randn(1, heads, o) * 0.5)
        self.bias = nn.Parameter(torch.randn(heads * o) * 0.1)

    def forward(self, x, edge_index):
        n, h, c = x.size(0), self.heads, self.out_channels
        loop = torch.arange(n)
        src = torch.cat([edge_index[0], loop])
        dst = torch.cat([edge_index[1], loop])
        x = self.lin(x).view(-1, h, c)
        a_src = (x * self.att_src).sum(dim=-1)
        a_dst = (x * self.att_dst).sum(dim=-1)
        alpha = F.leaky_relu(a_src[src] + a_dst[dst], 0.2)
        alpha = pyg_softmax(alpha, dst, n)
        msg = x[src] * alpha.unsqueeze(-1)
        return x.new_zeros(n, h, c).index_add_(0, dst, msg).view(n, h * c) + self.bias


class GINConv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.nn = nn.Sequential(nn.Linear(i, o), nn.ReLU(), nn.Linear(o, o))
        self.eps = nn.Parameter(torch.tensor([0.1]))

    def forward(self, x, edge_index):
        aggr = torch.zeros_like(x).index_add_(0, edge_index[1], x[edge_index[0]])
        return self.nn((1 + self.eps) * x + aggr)


def global_mean_pool(x, batch, size):
    s = x.new_zeros(size, x.size(1)).index_add_(0, batch, x)
    return s / torch.bincount(batch, minlength=size).clamp(min=1).view(-1, 1)


def global_max_pool(x, batch, size):
    return x.new_zeros(size, x.size(1)).scatter_reduce(0, batch.view(-1, 1).expand_as(x), x, reduce='amax',
                                                       include_self=False)


class GNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = GCNConv(4, 8)
        self.gat = GATConv(8, 4, heads=2)
        self.gin = GINConv(8, 8)
        self.conv2 = GCNConv(8, 3, add_self_loops=False)
        self.readout = nn.Linear(16, 2)

    def forward(self, x, edge_index, batch):
        h = F.relu(self.conv1(x, edge_index))
        h = F.elu(self.gat(h, edge_index))
        h = F.relu(self.gin(h, edge_index))
        nodes = self.conv2(h, edge_index)
        g = torch.cat([global_mean_pool(h, batch, 2), global_max_pool(h, batch, 2)], dim=1)
        return nodes, self.readout(g)


# node 3 has no edge (its degree without self loops is 0: pow(-0.5) gives inf, masked to 0); graph 1 is nodes 4..6
gnn_x = torch.randn(7, 4)
gnn_edges = torch.tensor([[0, 1, 1, 2, 0, 4, 5, 6, 5, 4], [1, 0, 2, 1, 2, 5, 4, 5, 6, 6]])
gnn_batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
gnn_y = torch.tensor([0, 2, 1, 1, 0, 2, 2])
gnn_gy = torch.tensor([1, 0])
out["gnn.x"], out["gnn.edges"], out["gnn.batch"], out["gnn.y"], out["gnn.gy"] = gnn_x, gnn_edges, gnn_batch, gnn_y, gnn_gy
gnn = GNN()
_, _, norm_nl = gcn_norm(gnn_edges, 7, False)
out["gnn.norm_no_loops"] = norm_nl


def gnn_forward():
    nodes, graphs = gnn(gnn_x, gnn_edges, gnn_batch)
    return (nodes, graphs), F.cross_entropy(nodes, gnn_y) + F.cross_entropy(graphs, gnn_gy)


def gnn_first(y):
    out["gnn.nodes0"], out["gnn.graphs0"] = y[0].detach().clone(), y[1].detach().clone()


with torch.no_grad():
    hh = F.relu(gnn.conv1(gnn_x, gnn_edges))
    n = 7
    src = torch.cat([gnn_edges[0], torch.arange(n)])
    dst = torch.cat([gnn_edges[1], torch.arange(n)])
    xx = gnn.gat.lin(hh).view(-1, 2, 4)
    out["gnn.gat_alpha"] = pyg_softmax(F.leaky_relu((xx * gnn.gat.att_src).sum(-1)[src]
                                                    + (xx * gnn.gat.att_dst).sum(-1)[dst], 0.2), dst, n)
train("gnn.", gnn, torch.optim.Adam(gnn.parameters(), lr=0.01), 3, gnn_forward, gnn_first)


# 2. objectives from papers --------------------------------------------------------------------------------------------
class ArcMarginProduct(nn.Module):
    """arcface-pytorch's models/metrics.py."""

    def __init__(self, in_features, out_features, s=30.0, m=0.50, easy_margin=False):
        super().__init__()
        self.s, self.m, self.easy_margin = s, m, easy_margin
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.xavier_uniform_(self.weight)
        self.cos_m, self.sin_m = math.cos(m), math.sin(m)
        self.th = math.cos(math.pi - m)
        self.mm = math.sin(math.pi - m) * m

    def forward(self, input, label):
        cosine = F.linear(F.normalize(input), F.normalize(self.weight))
        sine = torch.sqrt((1.0 - torch.pow(cosine, 2)).clamp(0, 1))
        phi = cosine * self.cos_m - sine * self.sin_m
        if self.easy_margin:
            phi = torch.where(cosine > 0, phi, cosine)
        else:
            phi = torch.where(cosine > self.th, phi, cosine - self.mm)
        one_hot = torch.zeros(cosine.size())
        one_hot.scatter_(1, label.view(-1, 1).long(), 1)
        output = (one_hot * phi) + ((1.0 - one_hot) * cosine)
        output *= self.s
        return output


class ArcFaceHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 8), nn.PReLU(), nn.Linear(8, 5))
        self.metric = ArcMarginProduct(5, 4, s=8.0, m=0.5)

    def forward(self, x, y):
        return self.metric(self.backbone(x), y)


# the labels make some target cosines fall below th (the cos - mm branch) at m = 1.3
arc_x = torch.randn(6, 6)
arc_y = torch.tensor([0, 1, 2, 3, 1, 0])
out["obj.arc.x"], out["obj.arc.y"] = arc_x, arc_y
arc = ArcFaceHead()
train("obj.arc.", arc, torch.optim.SGD(arc.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4), 3,
      lambda: (None, F.cross_entropy(arc(arc_x, arc_y), arc_y)))
arc_easy = ArcMarginProduct(5, 4, s=8.0, m=1.3, easy_margin=False)
arc_easy.load_state_dict(arc.metric.state_dict())
feat = torch.randn(6, 5, requires_grad=True)
o = arc_easy(feat, arc_y)
o.sum().backward()
out["obj.arc.wide_out"], out["obj.arc.wide_feat_grad"] = o.detach(), feat.grad.clone()
arc_easy.easy_margin = True
feat.grad = None
o = arc_easy(feat, arc_y)
o.sum().backward()
out["obj.arc.easy_out"], out["obj.arc.easy_feat_grad"] = o.detach(), feat.grad.clone()
out["obj.arc.feat"] = feat.detach().clone()


class InsightArcFace(nn.Module):
    """insightface's recognition/arcface_torch/losses.py ArcFace: the margin added in place under no_grad."""

    def __init__(self, s=64.0, margin=0.5):
        super().__init__()
        self.s, self.margin = s, margin

    def forward(self, logits, labels):
        index = torch.where(labels != -1)[0]
        target_logit = logits[index, labels[index].view(-1)]
        with torch.no_grad():
            target_logit.arccos_()
            logits.arccos_()
            final_target_logit = target_logit + self.margin
            logits[index, labels[index].view(-1)] = final_target_logit
            logits.cos_()
        logits = logits * self.s
        return logits


class PartialFcLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(4, 5) * 0.1)
        self.margin = InsightArcFace(s=8.0, margin=0.4)

    def forward(self, emb, labels):
        logits = F.linear(F.normalize(emb), F.normalize(self.weight)).clamp(-1, 1)
        return self.margin(logits, labels)


ins_emb = torch.randn(6, 5)
ins_y = torch.tensor([0, -1, 2, 3, 1, 0])  # -1: a sample without a class here (partial fc), no margin
out["obj.ins.emb"], out["obj.ins.y"] = ins_emb, ins_y
ins = PartialFcLike()


def ins_forward():
    logits = ins(ins_emb, ins_y)
    keep = ins_y != -1
    return logits, F.cross_entropy(logits[keep], ins_y[keep])


train("obj.ins.", ins, torch.optim.SGD(ins.parameters(), lr=0.2), 3, ins_forward,
      lambda y: out.__setitem__("obj.ins.logits0", y.detach().clone()))


class DINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_dim=8, bottleneck_dim=4):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.GELU(), nn.Linear(hidden_dim, bottleneck_dim))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        x = self.mlp(x)
        x = nn.functional.normalize(x, dim=-1, p=2)
        return self.last_layer(x)


class DINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs, nepochs,
                 student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.register_buffer("center", torch.zeros(1, out_dim))
        self.teacher_temp_schedule = np.concatenate((
            np.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs),
            np.ones(nepochs - warmup_teacher_temp_epochs) * teacher_temp))

    def forward(self, student_output, teacher_output, epoch):
        student_out = student_output / self.student_temp
        student_out = student_out.chunk(self.ncrops)
        temp = self.teacher_temp_schedule[epoch]
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1)
        teacher_out = teacher_out.detach().chunk(2)
        total_loss = 0
        n_loss_terms = 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:
                    continue
                loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
                total_loss += loss.mean()
                n_loss_terms += 1
        total_loss /= n_loss_terms
        self.update_center(teacher_output)
        return total_loss

    @torch.no_grad()
    def update_center(self, teacher_output):
        batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
        batch_center = batch_center / len(teacher_output)
        self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)


def clip_gradients(model, clip):
    norms = []
    for name, p in model.named_parameters():
        if p.grad is not None:
            param_norm = p.grad.data.norm(2)
            norms.append(param_norm.item())
            clip_coef = clip / (param_norm + 1e-6)
            if clip_coef < 1:
                p.grad.data.mul_(clip_coef)
    return norms


class DinoNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(5, 6), nn.GELU())
        self.head = DINOHead(6, 7)

    def forward(self, x):
        return self.head(self.backbone(x))


student = DinoNet()
teacher = DinoNet()
teacher.load_state_dict(student.state_dict())
for p in teacher.parameters():
    p.requires_grad = False
dino_loss = DINOLoss(7, ncrops=4, warmup_teacher_temp=0.04, teacher_temp=0.07, warmup_teacher_temp_epochs=2, nepochs=4)
crops = [torch.randn(3, 5) for _ in range(4)]
for i, c in enumerate(crops):
    out[f"obj.dino.crop{i}"] = c
save_state("obj.dino.init.", student)
opt = torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=0.01, weight_decay=0.04)
losses, norms = [], []
for epoch in range(3):
    teacher_output = teacher(torch.cat(crops[:2]))
    student_output = student(torch.cat(crops))
    loss = dino_loss(student_output, teacher_output, epoch)
    opt.zero_grad()
    loss.backward()
    if epoch == 0:
        for k, p in student.named_parameters():
            if p.grad is not None:
                out["obj.dino.grad0." + new_name(k)] = p.grad.clone()
        out["obj.dino.student0"] = student_output.detach().clone()
    norms += clip_gradients(student, 0.3)
    opt.step()
    with torch.no_grad():
        m = 0.9
        for param_q, param_k in zip(student.parameters(), teacher.parameters()):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
    losses.append(loss.item())
    out[f"obj.dino.center{epoch}"] = dino_loss.center.clone()
out["obj.dino.loss"] = torch.tensor(losses)
out["obj.dino.norms"] = torch.tensor(norms)
save_params("obj.dino.final.", student)
save_params("obj.dino.teacher.", teacher)


def byol_loss_fn(x, y):
    x = F.normalize(x, dim=-1, p=2)
    y = F.normalize(y, dim=-1, p=2)
    return 2 - 2 * (x * y).sum(dim=-1)


def MLP(dim, projection_size, hidden_size):
    return nn.Sequential(nn.Linear(dim, hidden_size), nn.BatchNorm1d(hidden_size), nn.ReLU(inplace=True),
                         nn.Linear(hidden_size, projection_size))


class BYOL(nn.Module):
    def __init__(self):
        super().__init__()
        self.online_encoder = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), MLP(8, 4, 10))
        self.online_predictor = MLP(4, 4, 10)
        self.target_encoder = None
        self.beta = 0.9

    def get_target_encoder(self):
        if self.target_encoder is None:
            self.target_encoder = copy.deepcopy(self.online_encoder)
            for p in self.target_encoder.parameters():
                p.requires_grad = False
        return self.target_encoder

    def update_moving_average(self):
        for current_params, ma_params in zip(self.online_encoder.parameters(), self.target_encoder.parameters()):
            old_weight, up_weight = ma_params.data, current_params.data
            ma_params.data = old_weight * self.beta + (1 - self.beta) * up_weight
        for current_buffers, ma_buffers in zip(self.online_encoder.buffers(), self.target_encoder.buffers()):
            ma_buffers.data.copy_(current_buffers.data)

    def forward(self, image_one, image_two):
        images = torch.cat((image_one, image_two), dim=0)
        online_projections = self.online_encoder(images)
        online_predictions = self.online_predictor(online_projections)
        online_pred_one, online_pred_two = online_predictions.chunk(2, dim=0)
        with torch.no_grad():
            target_encoder = self.get_target_encoder()
            target_projections = target_encoder(images)
            target_projections = target_projections.detach()
            target_proj_one, target_proj_two = target_projections.chunk(2, dim=0)
        loss_one = byol_loss_fn(online_pred_one, target_proj_two.detach())
        loss_two = byol_loss_fn(online_pred_two, target_proj_one.detach())
        loss = loss_one + loss_two
        return loss.mean()


def run_byol(prefix, exact):
    """byol-pytorch's training steps; exact: the gradients of the biases that are 0 in exact arithmetic (the two just
    before a BatchNorm in training, whose batch mean removes them, and the projector's last, which feeds the predictor's
    Linear and BatchNorm; here about 1e-15 of rounding noise) set to 0 before the step. Adam
    turns that noise into steps of lr * g / (|g| + eps), about 1e-9, which moves the third loss by 8e-11."""
    torch.manual_seed(19)
    byol = BYOL()
    v1, v2 = torch.randn(5, 6), torch.randn(5, 6)
    out[prefix + "v1"], out[prefix + "v2"] = v1, v2
    save_state(prefix + "init.", byol)
    opt = torch.optim.Adam([p for n, p in byol.named_parameters() if not n.startswith("target")], lr=0.01)
    losses = []
    for step in range(3):
        loss = byol(v1, v2)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            for k, p in byol.named_parameters():
                if p.grad is not None:
                    out[prefix + "grad0." + k] = p.grad.clone()
        if exact:
            byol.online_encoder[2][0].bias.grad.zero_()
            byol.online_encoder[2][3].bias.grad.zero_()
            byol.online_predictor[0].bias.grad.zero_()
        opt.step()
        byol.update_moving_average()
        losses.append(loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    save_state(prefix + "final.", byol)


run_byol("obj.byol.", False)
run_byol("obj.byol_exact.", True)


class CenterLoss(nn.Module):
    """KaiyangZhou/pytorch-center-loss, with 2.x's addmm_ keywords."""

    def __init__(self, num_classes=4, feat_dim=2):
        super().__init__()
        self.num_classes, self.feat_dim = num_classes, feat_dim
        self.centers = nn.Parameter(torch.randn(self.num_classes, self.feat_dim))

    def forward(self, x, labels):
        batch_size = x.size(0)
        distmat = torch.pow(x, 2).sum(dim=1, keepdim=True).expand(batch_size, self.num_classes) + \
            torch.pow(self.centers, 2).sum(dim=1, keepdim=True).expand(self.num_classes, batch_size).t()
        distmat.addmm_(x, self.centers.t(), beta=1, alpha=-2)
        classes = torch.arange(self.num_classes).long()
        labels = labels.unsqueeze(1).expand(batch_size, self.num_classes)
        mask = labels.eq(classes.expand(batch_size, self.num_classes))
        dist = distmat * mask.float()
        loss = dist.clamp(min=1e-12, max=1e+12).sum() / batch_size
        return loss


class CenterNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(5, 8), nn.PReLU(), nn.Linear(8, 2))
        self.classifier = nn.Linear(2, 4)

    def forward(self, x):
        f = self.features(x)
        return f, self.classifier(f)


cnet = CenterNet()
closs = CenterLoss(4, 2)
cx, cy = torch.randn(8, 5), torch.tensor([0, 1, 2, 3, 0, 1, 1, 3])
out["obj.center.x"], out["obj.center.y"] = cx, cy
save_state("obj.center.init.", cnet)
save_state("obj.center.init_centers.", closs)
weight_cent = 0.5
opt_model = torch.optim.SGD(cnet.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
opt_cent = torch.optim.SGD(closs.parameters(), lr=0.5)
losses = []
for step in range(3):
    features, outputs = cnet(cx)
    loss_xent = F.cross_entropy(outputs, cy)
    loss_cent = closs(features, cy)
    loss_cent *= weight_cent
    loss = loss_xent + loss_cent
    opt_model.zero_grad()
    opt_cent.zero_grad()
    loss.backward()
    opt_model.step()
    for param in closs.parameters():
        param.grad.data *= (1. / weight_cent)
    if step == 0:
        save_grads("obj.center.grad0.", cnet)
        out["obj.center.grad0_centers"] = closs.centers.grad.clone()
    opt_cent.step()
    losses.append(loss.item())
out["obj.center.loss"] = torch.tensor(losses)
save_params("obj.center.final.", cnet)
out["obj.center.final_centers"] = closs.centers.detach().clone()


# 3. scientific: a Fourier Neural Operator, a Hamiltonian neural network -----------------------------------------------
torch.manual_seed(29)


def cfloat():
    """The reference's torch.cfloat in the float32 run, complex128 in the float64 run."""
    return torch.cfloat if torch.get_default_dtype() == torch.float32 else torch.cdouble


class SpectralConv2d(nn.Module):
    """neuraloperator's fourier_2d.py; the weights and spectrum cfloat, complex128 in the float64 run."""

    def __init__(self, in_channels, out_channels, modes1, modes2):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.modes1, self.modes2 = modes1, modes2
        self.scale = (1 / (in_channels * out_channels))
        self.weights1 = nn.Parameter(self.scale * torch.rand(in_channels, out_channels, self.modes1, self.modes2,
                                                             dtype=cfloat()))
        self.weights2 = nn.Parameter(self.scale * torch.rand(in_channels, out_channels, self.modes1, self.modes2,
                                                             dtype=cfloat()))

    def compl_mul2d(self, input, weights):
        return torch.einsum("bixy,ioxy->boxy", input, weights)

    def forward(self, x):
        batchsize = x.shape[0]
        x_ft = torch.fft.rfft2(x)
        out_ft = torch.zeros(batchsize, self.out_channels, x.size(-2), x.size(-1) // 2 + 1, dtype=cfloat())
        out_ft[:, :, :self.modes1, :self.modes2] = \
            self.compl_mul2d(x_ft[:, :, :self.modes1, :self.modes2], self.weights1)
        out_ft[:, :, -self.modes1:, :self.modes2] = \
            self.compl_mul2d(x_ft[:, :, -self.modes1:, :self.modes2], self.weights2)
        x = torch.fft.irfft2(out_ft, s=(x.size(-2), x.size(-1)))
        return x


class FNO2d(nn.Module):
    def __init__(self, modes1, modes2, width):
        super().__init__()
        self.modes1, self.modes2, self.width = modes1, modes2, width
        self.padding = 9
        self.fc0 = nn.Linear(3, self.width)
        self.conv0 = SpectralConv2d(self.width, self.width, self.modes1, self.modes2)
        self.conv1 = SpectralConv2d(self.width, self.width, self.modes1, self.modes2)
        self.w0 = nn.Conv2d(self.width, self.width, 1)
        self.w1 = nn.Conv2d(self.width, self.width, 1)
        self.fc1 = nn.Linear(self.width, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        grid = self.get_grid(x.shape)
        x = torch.cat((x, grid), dim=-1)
        x = self.fc0(x)
        x = x.permute(0, 3, 1, 2)
        x = F.pad(x, [0, self.padding, 0, self.padding])
        x1 = self.conv0(x)
        x2 = self.w0(x)
        x = x1 + x2
        x = F.gelu(x)
        x1 = self.conv1(x)
        x2 = self.w1(x)
        x = x1 + x2
        x = x[..., :-self.padding, :-self.padding]
        x = x.permute(0, 2, 3, 1)
        x = self.fc1(x)
        x = F.gelu(x)
        x = self.fc2(x)
        return x

    def get_grid(self, shape):
        batchsize, size_x, size_y = shape[0], shape[1], shape[2]
        gridx = torch.tensor(np.linspace(0, 1, size_x), dtype=torch.float)
        gridx = gridx.reshape(1, size_x, 1, 1).repeat([batchsize, 1, size_y, 1])
        gridy = torch.tensor(np.linspace(0, 1, size_y), dtype=torch.float)
        gridy = gridy.reshape(1, 1, size_y, 1).repeat([batchsize, size_x, 1, 1])
        return torch.cat((gridx, gridy), dim=-1)


class LpLoss(object):
    def __init__(self, d=2, p=2, size_average=True, reduction=True):
        self.d, self.p, self.reduction, self.size_average = d, p, reduction, size_average

    def rel(self, x, y):
        num_examples = x.size()[0]
        diff_norms = torch.norm(x.reshape(num_examples, -1) - y.reshape(num_examples, -1), self.p, 1)
        y_norms = torch.norm(y.reshape(num_examples, -1), self.p, 1)
        if self.reduction:
            if self.size_average:
                return torch.mean(diff_norms / y_norms)
            else:
                return torch.sum(diff_norms / y_norms)
        return diff_norms / y_norms

    def __call__(self, x, y):
        return self.rel(x, y)


fno = FNO2d(3, 3, 4)
fno_a = torch.randn(2, 7, 6, 1)
fno_u = torch.sin(3 * fno_a) + 0.1 * torch.randn(2, 7, 6, 1)
out["sci.fno.a"], out["sci.fno.u"] = fno_a, fno_u
out["sci.fno.grid"] = fno.get_grid(fno_a.shape)
myloss = LpLoss(size_average=False)
train("sci.fno.", fno, torch.optim.Adam(fno.parameters(), lr=0.01, weight_decay=1e-4), 3,
      lambda: (None, myloss(fno(fno_a).view(2, -1), fno_u.view(2, -1))))
with torch.no_grad():
    out["sci.fno.pred"] = fno(fno_a)
spec = SpectralConv2d(2, 3, 2, 2)
save_state("sci.spec.init.", spec)
spec_x = torch.randn(2, 2, 5, 7, requires_grad=True)
out["sci.spec.x"] = spec_x.detach().clone()
spec_y = spec(spec_x)
(spec_y * torch.arange(spec_y.numel()).view(spec_y.shape).cos()).sum().backward()
out["sci.spec.y"] = spec_y.detach().clone()
out["sci.spec.x_grad"] = spec_x.grad.clone()
save_grads("sci.spec.grad.", spec)


class HnnMLP(nn.Module):
    """Greydanus' hamiltonian-nn nn_models.MLP."""

    def __init__(self, input_dim, hidden_dim, output_dim):
        super().__init__()
        self.linear1 = nn.Linear(input_dim, hidden_dim)
        self.linear2 = nn.Linear(hidden_dim, hidden_dim)
        self.linear3 = nn.Linear(hidden_dim, output_dim, bias=None)
        for l in [self.linear1, self.linear2, self.linear3]:
            nn.init.orthogonal_(l.weight)
        self.nonlinearity = torch.tanh

    def forward(self, x):
        h = self.nonlinearity(self.linear1(x))
        h = self.nonlinearity(self.linear2(h))
        return self.linear3(h)


def rk4(fun, y0, t, dt, *args, **kwargs):
    dt2 = dt / 2.0
    k1 = fun(y0, t, *args, **kwargs)
    k2 = fun(y0 + dt2 * k1, t + dt2, *args, **kwargs)
    k3 = fun(y0 + dt2 * k2, t + dt2, *args, **kwargs)
    k4 = fun(y0 + dt * k3, t + dt, *args, **kwargs)
    dy = dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return dy


class HNN(nn.Module):
    """Greydanus' hamiltonian-nn hnn.HNN with field_type 'both' (conservative and solenoidal fields)."""

    def __init__(self, input_dim, differentiable_model, field_type='solenoidal'):
        super().__init__()
        self.differentiable_model = differentiable_model
        self.field_type = field_type
        self.M = self.permutation_tensor(input_dim)

    def forward(self, x):
        y = self.differentiable_model(x)
        assert y.dim() == 2 and y.shape[1] == 2
        return y.split(1, 1)

    def rk4_time_derivative(self, x, dt):
        return rk4(fun=self.time_derivative, y0=x, t=0, dt=dt)

    def time_derivative(self, x, t=None, separate_fields=False):
        F1, F2 = self.forward(x)
        conservative_field = torch.zeros_like(x)
        solenoidal_field = torch.zeros_like(x)
        if self.field_type != 'solenoidal':
            dF1 = torch.autograd.grad(F1.sum(), x, create_graph=True)[0]
            conservative_field = dF1 @ torch.eye(*self.M.shape)
        if self.field_type != 'conservative':
            dF2 = torch.autograd.grad(F2.sum(), x, create_graph=True)[0]
            solenoidal_field = dF2 @ self.M.t()
        if separate_fields:
            return [conservative_field, solenoidal_field]
        return conservative_field + solenoidal_field

    def permutation_tensor(self, n):
        M = torch.eye(n)
        M = torch.cat([M[n // 2:], -M[:n // 2]])
        return M


def L2_loss(u, v):
    return (u - v).pow(2).mean()


hnn = HNN(2, HnnMLP(2, 16, 2), field_type='both')
hq = torch.randn(10, 2)
hnn_x = hq.clone().requires_grad_(True)
hnn_dxdt = torch.stack([hq[:, 1], -hq[:, 0]], dim=1) + 0.05 * torch.randn(10, 2)
out["sci.hnn.x"], out["sci.hnn.dxdt"] = hq, hnn_dxdt
train("sci.hnn.", hnn, torch.optim.Adam(hnn.parameters(), lr=1e-2, weight_decay=1e-4), 3,
      lambda: (None, L2_loss(hnn_dxdt, hnn.time_derivative(hnn_x))))
hnn.zero_grad()
hnn_x.grad = None
rk = hnn.rk4_time_derivative(hnn_x, 0.1)
L2_loss(hnn_dxdt * 0.1, rk).backward()
out["sci.hnn.rk4"] = rk.detach().clone()
out["sci.hnn.rk4_x_grad"] = hnn_x.grad.clone()
save_grads("sci.hnn.rk4_grad.", hnn)


# 4. sequence models beyond transformers: RWKV-4, locuslab's TCN, MLP-Mixer ---------------------------------------------
torch.manual_seed(41)
RW_C, RW_LAYERS, RW_V, RW_T = 6, 2, 10, 5


class RWKV_TimeMix(nn.Module):
    """RWKV-LM's RWKV-v4 RWKV_TimeMix, the CUDA WKV kernel written in ops (the same recurrence, loop over time)."""

    def __init__(self, layer_id):
        super().__init__()
        attn_sz = RW_C
        with torch.no_grad():
            ratio_0_to_1 = (layer_id / (RW_LAYERS - 1))
            ratio_1_to_almost0 = (1.0 - (layer_id / RW_LAYERS))
            decay_speed = torch.ones(attn_sz)
            for h in range(attn_sz):
                decay_speed[h] = -5 + 8 * (h / (attn_sz - 1)) ** (0.7 + 1.3 * ratio_0_to_1)
            self.time_decay = nn.Parameter(decay_speed)
            zigzag = (torch.tensor([(i + 1) % 3 - 1 for i in range(attn_sz)]) * 0.5)
            self.time_first = nn.Parameter(torch.ones(attn_sz) * math.log(0.3) + zigzag)
            x = torch.ones(1, 1, RW_C)
            for i in range(RW_C):
                x[0, 0, i] = i / RW_C
            self.time_mix_k = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
            self.time_mix_v = nn.Parameter(torch.pow(x, ratio_1_to_almost0) + 0.3 * ratio_0_to_1)
            self.time_mix_r = nn.Parameter(torch.pow(x, 0.5 * ratio_1_to_almost0))
        self.time_shift = nn.ZeroPad2d((0, 0, 1, -1))
        self.key = nn.Linear(RW_C, attn_sz, bias=False)
        self.value = nn.Linear(RW_C, attn_sz, bias=False)
        self.receptance = nn.Linear(RW_C, attn_sz, bias=False)
        self.output = nn.Linear(attn_sz, RW_C, bias=False)

    def jit_func(self, x):
        xx = self.time_shift(x)
        xk = x * self.time_mix_k + xx * (1 - self.time_mix_k)
        xv = x * self.time_mix_v + xx * (1 - self.time_mix_v)
        xr = x * self.time_mix_r + xx * (1 - self.time_mix_r)
        k = self.key(xk)
        v = self.value(xv)
        r = self.receptance(xr)
        sr = torch.sigmoid(r)
        return sr, k, v

    def forward(self, x):
        B, T, C = x.size()
        sr, k, v = self.jit_func(x)
        rwkv = sr * wkv(self.time_decay, self.time_first, k, v)
        return self.output(rwkv)


def wkv(time_decay, time_first, k, v):
    """wkv_cuda.cu's kernel_forward: w = -exp(time_decay), u = time_first, the numerator p, denominator q and the running
    exponent o kept apart for stability."""
    w = -torch.exp(time_decay)
    u = time_first
    B, T, C = k.size()
    p = torch.zeros(B, C)
    q = torch.zeros(B, C)
    o = torch.full((B, C), -1e38)
    ys = []
    for i in range(T):
        kk, vv = k[:, i], v[:, i]
        no = torch.maximum(o, u + kk)
        A = torch.exp(o - no)
        Bq = torch.exp(u + kk - no)
        ys.append((A * p + Bq * vv) / (A * q + Bq))
        no = torch.maximum(w + o, kk)
        A = torch.exp(w + o - no)
        Bq = torch.exp(kk - no)
        p = A * p + Bq * vv
        q = A * q + Bq
        o = no
    return torch.stack(ys, dim=1)


class RWKV_ChannelMix(nn.Module):
    def __init__(self, layer_id):
        super().__init__()
        self.time_shift = nn.ZeroPad2d((0, 0, 1, -1))
        with torch.no_grad():
            ratio_1_to_almost0 = (1.0 - (layer_id / RW_LAYERS))
            x = torch.ones(1, 1, RW_C)
            for i in range(RW_C):
                x[0, 0, i] = i / RW_C
            self.time_mix_k = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
            self.time_mix_r = nn.Parameter(torch.pow(x, ratio_1_to_almost0))
        hidden_sz = 4 * RW_C
        self.key = nn.Linear(RW_C, hidden_sz, bias=False)
        self.receptance = nn.Linear(RW_C, RW_C, bias=False)
        self.value = nn.Linear(hidden_sz, RW_C, bias=False)

    def forward(self, x):
        xx = self.time_shift(x)
        xk = x * self.time_mix_k + xx * (1 - self.time_mix_k)
        xr = x * self.time_mix_r + xx * (1 - self.time_mix_r)
        k = self.key(xk)
        k = torch.square(torch.relu(k))
        kv = self.value(k)
        rkv = torch.sigmoid(self.receptance(xr)) * kv
        return rkv


class RWKV_Block(nn.Module):
    def __init__(self, layer_id):
        super().__init__()
        self.layer_id = layer_id
        self.ln1 = nn.LayerNorm(RW_C)
        self.ln2 = nn.LayerNorm(RW_C)
        if self.layer_id == 0:
            self.ln0 = nn.LayerNorm(RW_C)
        self.att = RWKV_TimeMix(layer_id)
        self.ffn = RWKV_ChannelMix(layer_id)

    def forward(self, x):
        if self.layer_id == 0:
            x = self.ln0(x)
        x = x + self.att(self.ln1(x))
        x = x + self.ffn(self.ln2(x))
        return x


class RWKV_GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(RW_V, RW_C)
        self.blocks = nn.Sequential(*[RWKV_Block(i) for i in range(RW_LAYERS)])
        self.ln_out = nn.LayerNorm(RW_C)
        self.head = nn.Linear(RW_C, RW_V, bias=False)

    def forward(self, idx):
        x = self.emb(idx)
        x = self.blocks(x)
        x = self.ln_out(x)
        return self.head(x)


rwkv = RWKV_GPT()
rw_idx = torch.randint(RW_V, (2, RW_T + 1))
out["seq.rwkv.idx"] = rw_idx
out["seq.rwkv.shift"] = nn.ZeroPad2d((0, 0, 1, -1))(torch.arange(12.).view(1, 2, 3, 2))


def rwkv_forward():
    logits = rwkv(rw_idx[:, :-1])
    return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), rw_idx[:, 1:].reshape(-1))


train("seq.rwkv.", rwkv, torch.optim.Adam(rwkv.parameters(), lr=0.01, betas=(0.9, 0.99), eps=1e-8), 3, rwkv_forward,
      lambda y: out.__setitem__("seq.rwkv.logits0", y.detach().clone()))


class Chomp1d(nn.Module):
    def __init__(self, chomp_size):
        super(Chomp1d, self).__init__()
        self.chomp_size = chomp_size

    def forward(self, x):
        return x[:, :, :-self.chomp_size].contiguous()


class TemporalBlock(nn.Module):
    """locuslab/TCN's tcn.py, with the 1.x weight_norm it imports."""

    def __init__(self, n_inputs, n_outputs, kernel_size, stride, dilation, padding, dropout=0.2):
        super(TemporalBlock, self).__init__()
        self.conv1 = nn.utils.weight_norm(nn.Conv1d(n_inputs, n_outputs, kernel_size, stride=stride, padding=padding,
                                                    dilation=dilation))
        self.chomp1 = Chomp1d(padding)
        self.relu1 = nn.ReLU()
        self.dropout1 = nn.Dropout(dropout)
        self.conv2 = nn.utils.weight_norm(nn.Conv1d(n_outputs, n_outputs, kernel_size, stride=stride,
                                                    padding=padding, dilation=dilation))
        self.chomp2 = Chomp1d(padding)
        self.relu2 = nn.ReLU()
        self.dropout2 = nn.Dropout(dropout)
        self.net = nn.Sequential(self.conv1, self.chomp1, self.relu1, self.dropout1,
                                 self.conv2, self.chomp2, self.relu2, self.dropout2)
        self.downsample = nn.Conv1d(n_inputs, n_outputs, 1) if n_inputs != n_outputs else None
        self.relu = nn.ReLU()
        self.init_weights()

    def init_weights(self):
        self.conv1.weight.data.normal_(0, 0.01)
        self.conv2.weight.data.normal_(0, 0.01)
        if self.downsample is not None:
            self.downsample.weight.data.normal_(0, 0.01)

    def forward(self, x):
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(out + res)


class TemporalConvNet(nn.Module):
    def __init__(self, num_inputs, num_channels, kernel_size=2, dropout=0.2):
        super(TemporalConvNet, self).__init__()
        layers = []
        num_levels = len(num_channels)
        for i in range(num_levels):
            dilation_size = 2 ** i
            in_channels = num_inputs if i == 0 else num_channels[i - 1]
            out_channels = num_channels[i]
            layers += [TemporalBlock(in_channels, out_channels, kernel_size, stride=1, dilation=dilation_size,
                                     padding=(kernel_size - 1) * dilation_size, dropout=dropout)]
        self.network = nn.Sequential(*layers)

    def forward(self, x):
        return self.network(x)


class TCN(nn.Module):
    """locuslab/TCN's adding_problem model."""

    def __init__(self, input_size, output_size, num_channels, kernel_size, dropout):
        super(TCN, self).__init__()
        self.tcn = TemporalConvNet(input_size, num_channels, kernel_size=kernel_size, dropout=dropout)
        self.linear = nn.Linear(num_channels[-1], output_size)
        self.init_weights()

    def init_weights(self):
        self.linear.weight.data.normal_(0, 0.01)

    def forward(self, x):
        y1 = self.tcn(x)
        return self.linear(y1[:, :, -1])


tcn = TCN(2, 1, [4, 4, 8], kernel_size=3, dropout=0.0)
tcn_x = torch.cat([torch.rand(4, 1, 9), torch.zeros(4, 1, 9)], dim=1)
tcn_x[torch.arange(4), 1, torch.tensor([0, 2, 1, 5])] = 1
tcn_x[torch.arange(4), 1, torch.tensor([4, 8, 7, 6])] = 1
tcn_y = (tcn_x[:, 0] * tcn_x[:, 1]).sum(dim=1, keepdim=True)
out["seq.tcn.x"], out["seq.tcn.y"] = tcn_x, tcn_y
out["seq.tcn.init_keys"] = torch.tensor([len(tcn.state_dict()), len(list(tcn.named_parameters()))])


def tcn_after():
    out.setdefault("seq.tcn.norms", [])
    out["seq.tcn.norms"].append(torch.nn.utils.clip_grad_norm_(tcn.parameters(), 0.2).item())


train("seq.tcn.", tcn, torch.optim.Adam(tcn.parameters(), lr=2e-3), 3,
      lambda: (None, F.mse_loss(tcn(tcn_x), tcn_y)), after=tcn_after)
out["seq.tcn.norms"] = torch.tensor(out["seq.tcn.norms"])


class MlpBlock(nn.Module):
    def __init__(self, dim, mlp_dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class MixerBlock(nn.Module):
    """google-research/vision_transformer's MixerBlock as PyTorch ports write it: token mixing by transpose."""

    def __init__(self, num_tokens, hidden_dim, tokens_mlp_dim, channels_mlp_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(hidden_dim, eps=1e-6)
        self.token_mixing = MlpBlock(num_tokens, tokens_mlp_dim)
        self.norm2 = nn.LayerNorm(hidden_dim, eps=1e-6)
        self.channel_mixing = MlpBlock(hidden_dim, channels_mlp_dim)

    def forward(self, x):
        y = self.norm1(x)
        y = y.transpose(1, 2)
        y = self.token_mixing(y)
        y = y.transpose(1, 2)
        x = x + y
        y = self.norm2(x)
        return x + self.channel_mixing(y)


class MlpMixer(nn.Module):
    def __init__(self, num_classes, num_blocks, patch_size, hidden_dim, tokens_mlp_dim, channels_mlp_dim, image_size):
        super().__init__()
        num_tokens = (image_size // patch_size) ** 2
        self.stem = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        self.blocks = nn.ModuleList([MixerBlock(num_tokens, hidden_dim, tokens_mlp_dim, channels_mlp_dim)
                                     for _ in range(num_blocks)])
        self.pre_head_layer_norm = nn.LayerNorm(hidden_dim, eps=1e-6)
        self.head = nn.Linear(hidden_dim, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = x.flatten(2).transpose(1, 2)
        for block in self.blocks:
            x = block(x)
        x = self.pre_head_layer_norm(x)
        x = x.mean(dim=1)
        return self.head(x)


mixer = MlpMixer(3, 2, 2, 6, 5, 8, 6)
mix_x = torch.randn(4, 3, 6, 6)
mix_y = torch.tensor([0, 2, 1, 2])
out["seq.mixer.x"], out["seq.mixer.y"] = mix_x, mix_y


def zero_exact_zeros(params):
    """The token-mixing MLPs' output biases have a zero gradient in exact arithmetic (they add a per-token constant
    across channels, and every consumer of the residual stream is a LayerNorm over channels, which removes it); here
    about 1e-17 of rounding noise, which Adam(W) turns into steps of lr * g / (|g| + eps) that then differ from Ember's
    noise. Both sides set those gradients to 0 before each step (as OutsiderPrograms9Test's BYOL run does)."""
    def after():
        for p in params:
            p.grad.zero_()
    return after


train("seq.mixer.", mixer, torch.optim.AdamW(mixer.parameters(), lr=0.01, weight_decay=0.05), 3,
      lambda: (None, F.cross_entropy(mixer(mix_x), mix_y, label_smoothing=0.1)),
      after=zero_exact_zeros([b.token_mixing.fc2.bias for b in mixer.blocks]))


class Rearrange(nn.Module):
    """einops' Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)') written with view and permute."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        b, c, hh, ww = x.shape
        h, w = hh // self.p, ww // self.p
        return x.view(b, c, h, self.p, w, self.p).permute(0, 2, 4, 3, 5, 1).reshape(b, h * w, self.p * self.p * c)


class PreNormResidual(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.fn = fn
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.fn(self.norm(x)) + x


def FeedForward(dim, expansion_factor=4, dropout=0., dense=nn.Linear):
    inner_dim = int(dim * expansion_factor)
    return nn.Sequential(dense(dim, inner_dim), nn.GELU(), nn.Dropout(dropout), dense(inner_dim, dim),
                         nn.Dropout(dropout))


class Reduce(nn.Module):
    """einops' Reduce('b n c -> b c', 'mean')."""

    def forward(self, x):
        return x.mean(dim=1)


def LucidrainsMixer(image_size, channels, patch_size, dim, depth, num_classes, expansion_factor=4,
                    expansion_factor_token=0.5, dropout=0.):
    num_patches = (image_size // patch_size) ** 2
    chan_first = lambda i, o: nn.Conv1d(i, o, kernel_size=1)
    chan_last = nn.Linear
    return nn.Sequential(
        Rearrange(patch_size),
        nn.Linear((patch_size ** 2) * channels, dim),
        *[nn.Sequential(
            PreNormResidual(dim, FeedForward(num_patches, expansion_factor, dropout, chan_first)),
            PreNormResidual(dim, FeedForward(dim, expansion_factor_token, dropout, chan_last))
        ) for _ in range(depth)],
        nn.LayerNorm(dim),
        Reduce(),
        nn.Linear(dim, num_classes))


lmix = LucidrainsMixer(6, 3, 2, 6, 2, 3, expansion_factor=2, expansion_factor_token=0.5)
train("seq.lmixer.", lmix, torch.optim.Adam(lmix.parameters(), lr=0.01), 3,
      lambda: (None, F.cross_entropy(lmix(mix_x), mix_y)), after=zero_exact_zeros([lmix[2][0].fn[3].bias,
                                                                                   lmix[3][0].fn[3].bias]))


# 5. diffusion: ermongroup/ddim's UNet (Ho et al.'s DDPM model), noise estimation loss, EMA, DDIM sampling ---------------
torch.manual_seed(53)


def get_timestep_embedding(timesteps, embedding_dim, dtype):
    """ddim's models/diffusion.py; dtype is the reference's torch.float32 (its .float()) in the float32 run and the
    default float64 in the float64 run (a float32 embedding into float64 Linear layers is an error)."""
    assert len(timesteps.shape) == 1
    half_dim = embedding_dim // 2
    emb = math.log(10000) / (half_dim - 1)
    emb = torch.exp(torch.arange(half_dim, dtype=dtype) * -emb)
    emb = timesteps.to(dtype)[:, None] * emb[None, :]
    emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=1)
    if embedding_dim % 2 == 1:
        emb = torch.nn.functional.pad(emb, (0, 1, 0, 0))
    return emb


def nonlinearity(x):
    return x * torch.sigmoid(x)


def Normalize(in_channels):
    """The reference's GroupNorm(32, ...) with 2 groups, so that ch can be 4 and the file small."""
    return torch.nn.GroupNorm(num_groups=2, num_channels=in_channels, eps=1e-6, affine=True)


class Upsample(nn.Module):
    def __init__(self, in_channels, with_conv):
        super().__init__()
        self.with_conv = with_conv
        if self.with_conv:
            self.conv = torch.nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x):
        x = torch.nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")
        if self.with_conv:
            x = self.conv(x)
        return x


class Downsample(nn.Module):
    def __init__(self, in_channels, with_conv):
        super().__init__()
        self.with_conv = with_conv
        if self.with_conv:
            self.conv = torch.nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=2, padding=0)

    def forward(self, x):
        if self.with_conv:
            pad = (0, 1, 0, 1)
            x = torch.nn.functional.pad(x, pad, mode="constant", value=0)
            x = self.conv(x)
        else:
            x = torch.nn.functional.avg_pool2d(x, kernel_size=2, stride=2)
        return x


class ResnetBlock(nn.Module):
    def __init__(self, *, in_channels, out_channels=None, conv_shortcut=False, dropout, temb_channels=512):
        super().__init__()
        self.in_channels = in_channels
        out_channels = in_channels if out_channels is None else out_channels
        self.out_channels = out_channels
        self.use_conv_shortcut = conv_shortcut
        self.norm1 = Normalize(in_channels)
        self.conv1 = torch.nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.temb_proj = torch.nn.Linear(temb_channels, out_channels)
        self.norm2 = Normalize(out_channels)
        self.dropout = torch.nn.Dropout(dropout)
        self.conv2 = torch.nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        if self.in_channels != self.out_channels:
            if self.use_conv_shortcut:
                self.conv_shortcut = torch.nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1)
            else:
                self.nin_shortcut = torch.nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x, temb):
        h = x
        h = self.norm1(h)
        h = nonlinearity(h)
        h = self.conv1(h)
        h = h + self.temb_proj(nonlinearity(temb))[:, :, None, None]
        h = self.norm2(h)
        h = nonlinearity(h)
        h = self.dropout(h)
        h = self.conv2(h)
        if self.in_channels != self.out_channels:
            if self.use_conv_shortcut:
                x = self.conv_shortcut(x)
            else:
                x = self.nin_shortcut(x)
        return x + h


class AttnBlock(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.in_channels = in_channels
        self.norm = Normalize(in_channels)
        self.q = torch.nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0)
        self.k = torch.nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0)
        self.v = torch.nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0)
        self.proj_out = torch.nn.Conv2d(in_channels, in_channels, kernel_size=1, stride=1, padding=0)

    def forward(self, x):
        h_ = x
        h_ = self.norm(h_)
        q = self.q(h_)
        k = self.k(h_)
        v = self.v(h_)
        b, c, h, w = q.shape
        q = q.reshape(b, c, h * w)
        q = q.permute(0, 2, 1)
        k = k.reshape(b, c, h * w)
        w_ = torch.bmm(q, k)
        w_ = w_ * (int(c) ** (-0.5))
        w_ = torch.nn.functional.softmax(w_, dim=2)
        v = v.reshape(b, c, h * w)
        w_ = w_.permute(0, 2, 1)
        h_ = torch.bmm(v, w_)
        h_ = h_.reshape(b, c, h, w)
        h_ = self.proj_out(h_)
        return x + h_


class DiffusionModel(nn.Module):
    """ddim's Model with ch=4, out_ch=1, ch_mult=(1, 2), num_res_blocks=1, attn_resolutions=[4], dropout=0,
    in_channels=1, image_size=8, resamp_with_conv=True."""

    def __init__(self, dtype):
        super().__init__()
        ch, out_ch, ch_mult = 4, 1, (1, 2)
        num_res_blocks = 1
        attn_resolutions = [4]
        dropout = 0.0
        in_channels = 1
        resolution = 8
        resamp_with_conv = True
        self.emb_dtype = dtype
        self.ch = ch
        self.temb_ch = self.ch * 4
        self.num_resolutions = len(ch_mult)
        self.num_res_blocks = num_res_blocks
        self.resolution = resolution
        self.in_channels = in_channels
        self.temb = nn.Module()
        self.temb.dense = nn.ModuleList([torch.nn.Linear(self.ch, self.temb_ch),
                                         torch.nn.Linear(self.temb_ch, self.temb_ch)])
        self.conv_in = torch.nn.Conv2d(in_channels, self.ch, kernel_size=3, stride=1, padding=1)
        curr_res = resolution
        in_ch_mult = (1,) + ch_mult
        self.down = nn.ModuleList()
        block_in = None
        for i_level in range(self.num_resolutions):
            block = nn.ModuleList()
            attn = nn.ModuleList()
            block_in = ch * in_ch_mult[i_level]
            block_out = ch * ch_mult[i_level]
            for i_block in range(self.num_res_blocks):
                block.append(ResnetBlock(in_channels=block_in, out_channels=block_out, temb_channels=self.temb_ch,
                                         dropout=dropout))
                block_in = block_out
                if curr_res in attn_resolutions:
                    attn.append(AttnBlock(block_in))
            down = nn.Module()
            down.block = block
            down.attn = attn
            if i_level != self.num_resolutions - 1:
                down.downsample = Downsample(block_in, resamp_with_conv)
                curr_res = curr_res // 2
            self.down.append(down)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(in_channels=block_in, out_channels=block_in, temb_channels=self.temb_ch,
                                       dropout=dropout)
        self.mid.attn_1 = AttnBlock(block_in)
        self.mid.block_2 = ResnetBlock(in_channels=block_in, out_channels=block_in, temb_channels=self.temb_ch,
                                       dropout=dropout)
        self.up = nn.ModuleList()
        for i_level in reversed(range(self.num_resolutions)):
            block = nn.ModuleList()
            attn = nn.ModuleList()
            block_out = ch * ch_mult[i_level]
            skip_in = ch * ch_mult[i_level]
            for i_block in range(self.num_res_blocks + 1):
                if i_block == self.num_res_blocks:
                    skip_in = ch * in_ch_mult[i_level]
                block.append(ResnetBlock(in_channels=block_in + skip_in, out_channels=block_out,
                                         temb_channels=self.temb_ch, dropout=dropout))
                block_in = block_out
                if curr_res in attn_resolutions:
                    attn.append(AttnBlock(block_in))
            up = nn.Module()
            up.block = block
            up.attn = attn
            if i_level != 0:
                up.upsample = Upsample(block_in, resamp_with_conv)
                curr_res = curr_res * 2
            self.up.insert(0, up)
        self.norm_out = Normalize(block_in)
        self.conv_out = torch.nn.Conv2d(block_in, out_ch, kernel_size=3, stride=1, padding=1)

    def forward(self, x, t):
        assert x.shape[2] == x.shape[3] == self.resolution
        temb = get_timestep_embedding(t, self.ch, self.emb_dtype)
        temb = self.temb.dense[0](temb)
        temb = nonlinearity(temb)
        temb = self.temb.dense[1](temb)
        hs = [self.conv_in(x)]
        for i_level in range(self.num_resolutions):
            for i_block in range(self.num_res_blocks):
                h = self.down[i_level].block[i_block](hs[-1], temb)
                if len(self.down[i_level].attn) > 0:
                    h = self.down[i_level].attn[i_block](h)
                hs.append(h)
            if i_level != self.num_resolutions - 1:
                hs.append(self.down[i_level].downsample(hs[-1]))
        h = hs[-1]
        h = self.mid.block_1(h, temb)
        h = self.mid.attn_1(h)
        h = self.mid.block_2(h, temb)
        for i_level in reversed(range(self.num_resolutions)):
            for i_block in range(self.num_res_blocks + 1):
                h = self.up[i_level].block[i_block](torch.cat([h, hs.pop()], dim=1), temb)
                if len(self.up[i_level].attn) > 0:
                    h = self.up[i_level].attn[i_block](h)
            if i_level != 0:
                h = self.up[i_level].upsample(h)
        h = self.norm_out(h)
        h = nonlinearity(h)
        h = self.conv_out(h)
        return h


def noise_estimation_loss(model, x0, t, e, b, keepdim=False):
    a = (1 - b).cumprod(dim=0).index_select(0, t).view(-1, 1, 1, 1)
    x = x0 * a.sqrt() + e * (1.0 - a).sqrt()
    output = model(x, t.float())
    if keepdim:
        return (e - output).square().sum(dim=(1, 2, 3))
    else:
        return (e - output).square().sum(dim=(1, 2, 3)).mean(dim=0)


class EMAHelper(object):
    def __init__(self, mu=0.999):
        self.mu = mu
        self.shadow = {}

    def register(self, module):
        for name, param in module.named_parameters():
            if param.requires_grad:
                self.shadow[name] = param.data.clone()

    def update(self, module):
        for name, param in module.named_parameters():
            if param.requires_grad:
                self.shadow[name].data = (1. - self.mu) * param.data + self.mu * self.shadow[name].data


def compute_alpha(beta, t):
    beta = torch.cat([torch.zeros(1).to(beta.device), beta], dim=0)
    a = (1 - beta).cumprod(dim=0).index_select(0, t + 1).view(-1, 1, 1, 1)
    return a


def generalized_steps(x, seq, model, b, noises, **kwargs):
    """ddim's functions/denoising.py; torch.randn_like(x) replaced by the saved draws (Ember's generator differs)."""
    with torch.no_grad():
        n = x.size(0)
        seq_next = [-1] + list(seq[:-1])
        x0_preds = []
        xs = [x]
        for step, (i, j) in enumerate(zip(reversed(seq), reversed(seq_next))):
            t = (torch.ones(n) * i)
            next_t = (torch.ones(n) * j)
            at = compute_alpha(b, t.long())
            at_next = compute_alpha(b, next_t.long())
            xt = xs[-1]
            et = model(xt, t)
            x0_t = (xt - et * (1 - at).sqrt()) / at.sqrt()
            x0_preds.append(x0_t)
            c1 = (kwargs.get("eta", 0) * ((1 - at / at_next) * (1 - at_next) / (1 - at)).sqrt())
            c2 = ((1 - at_next) - c1 ** 2).sqrt()
            xt_next = at_next.sqrt() * x0_t + c1 * noises[step] + c2 * et
            xs.append(xt_next)
    return xs, x0_preds


NUM_T = 1000
betas_np = np.linspace(0.0001, 0.02, NUM_T, dtype=np.float64)
ddpm_model = DiffusionModel(torch.float64)
dif_x0 = torch.tanh(torch.randn(4, 1, 8, 8).cumsum(dim=2) * 0.5)
dif_e = torch.randn_like(dif_x0)
dif_t = torch.randint(low=0, high=NUM_T, size=(4 // 2 + 1,))
dif_t = torch.cat([dif_t, NUM_T - dif_t - 1], dim=0)[:4]
out["dif.x0"], out["dif.e"], out["dif.t"] = dif_x0, dif_e, dif_t
b64 = torch.from_numpy(betas_np)
out["dif.betas32"] = torch.from_numpy(betas_np).float()
ema = EMAHelper(mu=0.9)
ema.register(ddpm_model)
save_state("dif.init.", ddpm_model)
opt = torch.optim.Adam(ddpm_model.parameters(), lr=1e-3, weight_decay=0.0, betas=(0.9, 0.999), amsgrad=False, eps=1e-8)
losses, norms = [], []
for step in range(2):
    loss = noise_estimation_loss(ddpm_model, dif_x0, dif_t, dif_e, b64)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        save_grads("dif.grad0.", ddpm_model)
    norms.append(torch.nn.utils.clip_grad_norm_(ddpm_model.parameters(), 1.0).item())
    opt.step()
    ema.update(ddpm_model)
    losses.append(loss.item())
out["dif.loss"], out["dif.norms"] = torch.tensor(losses), torch.tensor(norms)
save_params("dif.final.", ddpm_model)
for k, v in ema.shadow.items():
    out["dif.ema." + k] = v.clone()
# DDIM sampling from the EMA weights, 4 steps of 250, eta 0.5
ema_model = DiffusionModel(torch.float64)
ema_model.load_state_dict({**ddpm_model.state_dict(), **ema.shadow})
dif_xT = torch.randn(2, 1, 8, 8)
dif_noises = [torch.randn(2, 1, 8, 8) for _ in range(4)]
out["dif.xT"] = dif_xT
for i, z in enumerate(dif_noises):
    out[f"dif.noise{i}"] = z
xs, x0_preds = generalized_steps(dif_xT, list(range(0, NUM_T, 250)), ema_model, b64, dif_noises, eta=0.5)
for i, (xx, pp) in enumerate(zip(xs[1:], x0_preds)):
    out[f"dif.ddim.x{i}"] = xx
    out[f"dif.ddim.x0_{i}"] = pp

# the reference's float32 run: the model, the data and the betas in float32, one forward and backward
torch.set_default_dtype(torch.float32)
m32 = DiffusionModel(torch.float32)
m32.load_state_dict({k: v.float() for k, v in ddpm_model.state_dict().items()})
b32 = torch.from_numpy(betas_np).float()
loss32 = noise_estimation_loss(m32, dif_x0.float(), dif_t, dif_e.float(), b32)
loss32.backward()
out["dif.f32.loss"] = loss32.detach()
save_grads("dif.f32.grad.", m32)
with torch.no_grad():
    out["dif.f32.x0_pred"] = generalized_steps(dif_xT.float(), [0, 500], m32, b32, [z.float() for z in dif_noises],
                                               eta=0.0)[1][0]
torch.set_default_dtype(torch.float64)
# the same float32 numbers in float64, the reference the float32 gradients are judged by: PyTorch's own float32
# gradients are up to 1.4e-4 (relative to a twentieth of each tensor's largest) from it, and the attention's k biases,
# zero in exact arithmetic (softmax ignores a constant per query), are all float32 rounding noise
m64 = DiffusionModel(torch.float64)
m64.load_state_dict({k: v.double() for k, v in m32.state_dict().items()})
loss64 = noise_estimation_loss(m64, dif_x0.float().double(), dif_t, dif_e.float().double(), b32.double())
loss64.backward()
out["dif.f32.loss64"] = loss64.detach()
save_grads("dif.f32.grad64.", m64)


# 7. the programs' first step in float32, as users run them: the initial weights (and data) rounded to float32, one
# forward and backward; beside them the float64 gradients of the same float32 numbers, by which the float32 gradients
# are judged (float32 rounding through these programs moves PyTorch's own gradients well beyond 4e-6)
def f32_first(prefix, make, init_prefix, forward):
    init = {k[len(init_prefix):]: v for k, v in out.items() if k.startswith(init_prefix)}

    def cast32(v):
        return v.to(torch.cfloat) if v.is_complex() else v.float() if v.is_floating_point() else v

    def cast64(v):
        return v.to(torch.cfloat).to(torch.cdouble) if v.is_complex() else \
            v.float().double() if v.is_floating_point() else v

    for dtype, cast, tag in ((torch.float32, cast32, "grad."), (torch.float64, cast64, "grad64.")):
        torch.set_default_dtype(dtype)
        m = make()
        m.load_state_dict({k: cast(v) for k, v in init.items()})
        loss = forward(m, cast)
        loss.backward()
        out[prefix + ("loss" if dtype == torch.float32 else "loss64")] = loss.detach().clone()
        save_grads(prefix + tag, m)
        torch.set_default_dtype(torch.float64)


f32_first("f32.gnn.", GNN, "gnn.init.", lambda m, c: sum(
    F.cross_entropy(o, y) for o, y in zip(m(c(gnn_x), gnn_edges, gnn_batch), (gnn_y, gnn_gy))))
f32_first("f32.fno.", lambda: FNO2d(3, 3, 4), "sci.fno.init.",
          lambda m, c: myloss(m(c(fno_a)).view(2, -1), c(fno_u).view(2, -1)))
f32_first("f32.hnn.", lambda: HNN(2, HnnMLP(2, 16, 2), field_type='both'), "sci.hnn.init.",
          lambda m, c: L2_loss(c(hnn_dxdt), m.time_derivative(c(hq).requires_grad_(True))))
f32_first("f32.rwkv.", RWKV_GPT, "seq.rwkv.init.", lambda m, c: F.cross_entropy(
    m(rw_idx[:, :-1]).view(-1, RW_V), rw_idx[:, 1:].reshape(-1)))
f32_first("f32.tcn.", lambda: TCN(2, 1, [4, 4, 8], kernel_size=3, dropout=0.0), "seq.tcn.init.",
          lambda m, c: F.mse_loss(m(c(tcn_x)), c(tcn_y)))


# 8. probes of what these users vary next: PyTorch Geometric's utilities written in torch ops, SupCon, SwAV's
# Sinkhorn-Knopp
torch.manual_seed(61)
pv = torch.randn(7, 3, requires_grad=True)
pidx = torch.tensor([0, 2, 2, 0, 3, 3, 3])  # segment 1 and 4 empty
out["probe.v"], out["probe.idx"] = pv.detach().clone(), pidx
probe_terms = []
# scatter(..., reduce='mean') as torch_scatter: scatter_reduce mean without self (an empty segment stays 0)
sm = torch.zeros(5, 3).scatter_reduce(0, pidx.view(-1, 1).expand(-1, 3), pv, reduce='mean', include_self=False)
out["probe.scatter_mean"] = sm.detach().clone()
probe_terms.append((sm * torch.arange(15.).view(5, 3).cos()).sum())
# the same with self (the zeros count as members) and 'prod'
smi = torch.ones(5, 3).scatter_reduce(0, pidx.view(-1, 1).expand(-1, 3), pv, reduce='mean', include_self=True)
out["probe.scatter_mean_self"] = smi.detach().clone()
probe_terms.append((smi * torch.arange(15.).view(5, 3).sin()).sum())
sp = torch.ones(5, 3).scatter_reduce(0, pidx.view(-1, 1).expand(-1, 3), pv, reduce='prod', include_self=False)
out["probe.scatter_prod"] = sp.detach().clone()
probe_terms.append(sp.sum())
# index_reduce_ amin / mean, as newer PyG aggregations use
ir = torch.full((5, 3), 7.0).index_reduce_(0, pidx, pv, 'amin', include_self=False)
out["probe.index_reduce_amin"] = ir.detach().clone()
probe_terms.append((ir * 0.5).sum())
irm = torch.full((5, 3), 2.0).index_reduce_(0, pidx, pv, 'mean', include_self=True)
out["probe.index_reduce_mean_self"] = irm.detach().clone()
probe_terms.append((irm * irm).sum())
# to_dense_batch: a batch vector sorted by graph, cumsum of counts for the offsets, a padded dense tensor and mask
pbatch = torch.tensor([0, 0, 1, 1, 1, 3, 3])
num_nodes = torch.bincount(pbatch, minlength=4)
cum = torch.cat([num_nodes.new_zeros(1), num_nodes.cumsum(dim=0)])
max_n = int(num_nodes.max())
pos = torch.arange(pbatch.size(0)) - cum[pbatch] + pbatch * max_n
dense = pv.new_full((4 * max_n, 3), -1.5)
dense[pos] = pv
dense = dense.view(4, max_n, 3)
dmask = torch.zeros(4 * max_n, dtype=torch.bool)
dmask[pos] = True
out["probe.dense"], out["probe.dense_mask"] = dense.detach().clone(), dmask.view(4, max_n)
probe_terms.append((dense * torch.linspace(-1, 1, 4 * max_n * 3).view(4, max_n, 3)).sum())
# coalesce an edge list: unique columns with return_inverse, edge weights summed by index_add
pe = torch.tensor([[2, 0, 2, 1, 0, 2], [1, 1, 1, 0, 1, 0]])
pw = torch.rand(6, requires_grad=True)
out["probe.pw"] = pw.detach().clone()
uniq, inv = torch.unique(pe, dim=1, return_inverse=True)
cw = torch.zeros(uniq.size(1)).index_add(0, inv, pw)
out["probe.coalesced"], out["probe.inverse"], out["probe.coalesced_w"] = uniq, inv, cw.detach().clone()
probe_terms.append((cw * torch.arange(1., uniq.size(1) + 1)).sum())
# repeat_interleave of per-graph counts to a batch vector, then a gather of per-graph parameters
counts = torch.tensor([2, 0, 3, 1])
out["probe.batch_from_counts"] = torch.repeat_interleave(torch.arange(4), counts)
gparam = torch.randn(4, 3, requires_grad=True)
out["probe.gparam"] = gparam.detach().clone()
probe_terms.append((gparam[torch.repeat_interleave(torch.arange(4), counts)] * pv[:6]).sum())
ptotal = sum(probe_terms)
ptotal.backward()
out["probe.v_grad"], out["probe.pw_grad"], out["probe.gparam_grad"] = pv.grad.clone(), pw.grad.clone(), gparam.grad.clone()


def supcon_loss(features, labels, temperature=0.07, base_temperature=0.07):
    """HobbitLong/SupContrast's SupConLoss, contrast_mode 'all'."""
    batch_size = features.shape[0]
    labels = labels.contiguous().view(-1, 1)
    mask = torch.eq(labels, labels.T).float()
    contrast_count = features.shape[1]
    contrast_feature = torch.cat(torch.unbind(features, dim=1), dim=0)
    anchor_feature = contrast_feature
    anchor_count = contrast_count
    anchor_dot_contrast = torch.div(torch.matmul(anchor_feature, contrast_feature.T), temperature)
    logits_max, _ = torch.max(anchor_dot_contrast, dim=1, keepdim=True)
    logits = anchor_dot_contrast - logits_max.detach()
    mask = mask.repeat(anchor_count, contrast_count)
    logits_mask = torch.scatter(torch.ones_like(mask), 1, torch.arange(batch_size * anchor_count).view(-1, 1), 0)
    mask = mask * logits_mask
    exp_logits = torch.exp(logits) * logits_mask
    log_prob = logits - torch.log(exp_logits.sum(1, keepdim=True))
    mask_pos_pairs = mask.sum(1)
    mask_pos_pairs = torch.where(mask_pos_pairs < 1e-6, 1, mask_pos_pairs)
    mean_log_prob_pos = (mask * log_prob).sum(1) / mask_pos_pairs
    loss = - (temperature / base_temperature) * mean_log_prob_pos
    loss = loss.view(anchor_count, batch_size).mean()
    return loss


sc_f = F.normalize(torch.randn(5, 2, 4), dim=2).requires_grad_(True)
sc_y = torch.tensor([0, 1, 0, 2, 1])
out["probe.supcon.f"], out["probe.supcon.y"] = sc_f.detach().clone(), sc_y
sc = supcon_loss(sc_f, sc_y)
sc.backward()
out["probe.supcon.loss"], out["probe.supcon.grad"] = sc.detach(), sc_f.grad.clone()


@torch.no_grad()
def distributed_sinkhorn(out_, epsilon=0.05, sinkhorn_iterations=3):
    """SwAV's distributed_sinkhorn on one process."""
    Q = torch.exp(out_ / epsilon).t()
    B = Q.shape[1]
    K = Q.shape[0]
    sum_Q = torch.sum(Q)
    Q /= sum_Q
    for it in range(sinkhorn_iterations):
        sum_of_rows = torch.sum(Q, dim=1, keepdim=True)
        Q /= sum_of_rows
        Q /= K
        Q /= torch.sum(Q, dim=0, keepdim=True)
        Q /= B
    Q *= B
    return Q.t()


sw_scores = torch.randn(6, 4, requires_grad=True) * 0.3
sw_scores.retain_grad()
out["probe.swav.scores"] = sw_scores.detach().clone()
q = distributed_sinkhorn(sw_scores)
out["probe.swav.q"] = q
sw_loss = -torch.mean(torch.sum(q * F.log_softmax(sw_scores / 0.1, dim=1), dim=1))
sw_loss.backward()
out["probe.swav.loss"], out["probe.swav.grad"] = sw_loss.detach(), sw_scores.grad.clone()


# 9. a masked autoencoder as facebookresearch/mae's models_mae.py (timm's Block and PatchEmbed written out), two steps
torch.manual_seed(71)


class TimmAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class TimmMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class TimmBlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = TimmAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = TimmMlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, embed_dim):
        super().__init__()
        self.patch_size = (patch_size, patch_size)
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class MaskedAutoencoderViT(nn.Module):
    def __init__(self, img_size=8, patch_size=2, in_chans=3, embed_dim=8, depth=1, num_heads=2, decoder_embed_dim=6,
                 decoder_depth=1, decoder_num_heads=2, mlp_ratio=2., norm_pix_loss=True):
        super().__init__()
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        num_patches = (img_size // patch_size) ** 2
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim), requires_grad=False)
        self.blocks = nn.ModuleList([TimmBlock(embed_dim, num_heads, mlp_ratio) for i in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.decoder_embed = nn.Linear(embed_dim, decoder_embed_dim, bias=True)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dim))
        self.decoder_pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, decoder_embed_dim), requires_grad=False)
        self.decoder_blocks = nn.ModuleList([TimmBlock(decoder_embed_dim, decoder_num_heads, mlp_ratio)
                                             for i in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_embed_dim, eps=1e-6)
        self.decoder_pred = nn.Linear(decoder_embed_dim, patch_size ** 2 * in_chans, bias=True)
        self.norm_pix_loss = norm_pix_loss
        with torch.no_grad():  # the reference's fixed 2D sin-cos tables, here random fixed numbers
            self.pos_embed.copy_(torch.randn_like(self.pos_embed) * 0.1)
            self.decoder_pos_embed.copy_(torch.randn_like(self.decoder_pos_embed) * 0.1)
            self.cls_token.normal_(std=.02)
            self.mask_token.normal_(std=.02)

    def patchify(self, imgs):
        p = self.patch_embed.patch_size[0]
        assert imgs.shape[2] == imgs.shape[3] and imgs.shape[2] % p == 0
        h = w = imgs.shape[2] // p
        x = imgs.reshape(shape=(imgs.shape[0], 3, h, p, w, p))
        x = torch.einsum('nchpwq->nhwpqc', x)
        x = x.reshape(shape=(imgs.shape[0], h * w, p ** 2 * 3))
        return x

    def random_masking(self, x, mask_ratio, noise):
        N, L, D = x.shape
        len_keep = int(L * (1 - mask_ratio))
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, D))
        mask = torch.ones([N, L])
        mask[:, :len_keep] = 0
        mask = torch.gather(mask, dim=1, index=ids_restore)
        return x_masked, mask, ids_restore

    def forward_encoder(self, x, mask_ratio, noise):
        x = self.patch_embed(x)
        x = x + self.pos_embed[:, 1:, :]
        x, mask, ids_restore = self.random_masking(x, mask_ratio, noise)
        cls_token = self.cls_token + self.pos_embed[:, :1, :]
        cls_tokens = cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls_tokens, x), dim=1)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return x, mask, ids_restore

    def forward_decoder(self, x, ids_restore):
        x = self.decoder_embed(x)
        mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, dim=1, index=ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        x = torch.cat([x[:, :1, :], x_], dim=1)
        x = x + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        x = self.decoder_norm(x)
        x = self.decoder_pred(x)
        x = x[:, 1:, :]
        return x

    def forward_loss(self, imgs, pred, mask):
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.e-6) ** .5
        loss = (pred - target) ** 2
        loss = loss.mean(dim=-1)
        loss = (loss * mask).sum() / mask.sum()
        return loss

    def forward(self, imgs, noise, mask_ratio=0.75):
        latent, mask, ids_restore = self.forward_encoder(imgs, mask_ratio, noise)
        pred = self.forward_decoder(latent, ids_restore)
        loss = self.forward_loss(imgs, pred, mask)
        return loss, pred, mask


mae = MaskedAutoencoderViT()
mae_imgs = torch.randn(2, 3, 8, 8)
out["mae.imgs"] = mae_imgs
save_state("mae.init.", mae)
opt = torch.optim.AdamW([p for p in mae.parameters() if p.requires_grad], lr=1e-3, betas=(0.9, 0.95),
                        weight_decay=0.05)
losses = []
for step in range(2):
    noise = torch.rand(2, 16)
    out[f"mae.noise{step}"] = noise
    loss, pred, mask = mae(mae_imgs, noise)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        out["mae.pred0"], out["mae.mask0"] = pred.detach().clone(), mask.clone()
        for k, p in mae.named_parameters():
            if p.grad is not None:
                out["mae.grad0." + k] = p.grad.clone()
    opt.step()
    losses.append(loss.item())
out["mae.loss"] = torch.tensor(losses)
save_params("mae.final.", mae)


# 6. the grad_fn names of the programs' ops (those 1.13 and 2.x name alike; not CopySlices, the upsample_nearest vec
# overload or einsum, whose names differ between versions or follow the implementation) --------------------------------
texts = {}
gx = torch.randn(2, 3, 4, 5, requires_grad=True)
gxf = torch.fft.rfft2(gx)
texts["rfft2"] = gxf.grad_fn.name()
texts["irfft2"] = torch.fft.irfft2(gxf, s=(4, 5)).grad_fn.name()
gl = F.linear(F.normalize(torch.randn(3, 4)), F.normalize(torch.randn(5, 4, requires_grad=True))).clamp(-1, 1)
with torch.no_grad():
    gl.arccos_()
    gl[torch.tensor([0, 1]), torch.tensor([1, 2])] = 0.5
    gl.cos_()
texts["inplace_under_no_grad"] = gl.grad_fn.name()
gs = torch.randn(6, 2, requires_grad=True)
gidx = torch.tensor([0, 1, 1, 2, 2, 2]).view(-1, 1).expand_as(gs)
texts["scatter_reduce"] = gs.new_zeros(3, 2).scatter_reduce(0, gidx, gs, 'amax', include_self=False).grad_fn.name()
texts["scatter_add"] = gs.new_zeros(3, 2).scatter_add(0, gidx, gs).grad_fn.name()
texts["index_add_"] = torch.zeros_like(gs).index_add_(0, torch.tensor([0, 0, 1, 2, 3, 5]), gs).grad_fn.name()
texts["index_by_tensor"] = gs[torch.tensor([0, 2])].grad_fn.name()
texts["zero_pad_negative"] = nn.ZeroPad2d((0, 0, 1, -1))(gs.view(1, 6, 2)).grad_fn.name()
texts["maximum"] = torch.maximum(gs, gs * 2).grad_fn.name()
texts["square"] = gs.square().grad_fn.name()
texts["where"] = torch.where(gs > 0, gs, gs - 1).grad_fn.name()
texts["cumprod"] = gs.cumprod(0).grad_fn.name()
texts["addmm_"] = (gs @ gs.t() + 0).addmm_(gs, gs.t(), beta=1, alpha=-2).grad_fn.name()
texts["weight_norm"] = nn.utils.weight_norm(nn.Conv1d(2, 3, 2)).weight.grad_fn.name()
texts["grad_create_graph"] = torch.autograd.grad(gs.tanh().sum(), gs, create_graph=True)[0].grad_fn.name()
texts["bmm"] = torch.bmm(gs.view(1, 6, 2), gs.view(1, 2, 6)).grad_fn.name()
texts["pad_constant"] = F.pad(gx, (0, 1, 0, 1), mode='constant', value=0).grad_fn.name()
texts["group_norm"] = nn.GroupNorm(3, 3)(gx).grad_fn.name()
texts["chomp"] = gx[:, :, :-2].contiguous().grad_fn.name()
with open("texts9.txt", "w") as f:
    for k, v in texts.items():
        f.write(k + "|" + v.replace("\n", "\\n") + "\n")

torch.save(out, "programs9.pt")
print(len(out), "entries")
