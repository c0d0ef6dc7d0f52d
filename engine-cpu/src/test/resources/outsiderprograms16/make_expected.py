"""Expected values for OutsiderPrograms16Test (session 41's outsider pass, round 16): recipes whose reference code
earlier rounds had not ported in that form, each written as its reference writes it, run in float64 (the default type)
from PyTorch's initial weights and fixed data, which are saved beside the outputs, losses, gradients of every named
parameter after the first backward and parameters after the last step:
  maml.*   MAML on sine regression, second order: a 1-16-16-1 MLP, 2 tasks a meta-batch, 2 inner SGD steps each by
           torch.autograd.grad(create_graph=True) over the adapted weights, the forward by functional_call
           (torch.nn.utils.stateless in 1.13, torch.func in 2.x: the same call) and by a hand-written functional net
           (F.linear over a list, MAML-Pytorch's Learner), the meta-loss averaged over tasks, Adam as the outer
           optimizer, 3 meta-steps; first-order MAML (the inner gradients detached); functorch's maml-regression
           example (vmap over the tasks of a loss whose inner step is grad(inner_loss) over the parameter dict);
           MAML-Pytorch's conv Learner and Meta (F.conv2d, F.relu(inplace), F.batch_norm(training=True) with running
           statistics shared by every forward) trained second order (create_graph=True; MAML-Pytorch's own calls
           omit it); functorch's MAML on Omniglot (replace_all_batch_norm_modules_, vmap over tasks of
           grad(compute_loss), functional_call with parameters and buffers; the vmap computed as the loop it is
           defined as, since 1.13's functorch.vmap is wrong through batch_norm's backward there); Reptile as John
           Schulman's reptile-sinewaves demo writes it (inner SGD through param.data, the state dict interpolated and
           loaded back with a linearly annealed outer step size)
  bnrepl.* replace_all_batch_norm_modules_ on a Sequential of batch and instance norms: the state dict's keys and
           the printout (texts16.txt), an eval forward with batch statistics
  tabnet.* pytorch_tabnet's sparsemax.py: SparsemaxFunction and Entmax15Function (torch.autograd.Function with their own
           backward; sparsemax's forward shifts its input in place, input -= max_val, as the reference does: on a
           leaf, on a view, on a tensor exp saved, whose backward then refuses), along dims 0 and 1 of a 3-d input, a
           Hessian-vector product through Entmax15Function's backward, in a two-step TabNet encoder (initial
           splitter, AttentiveTransformer with ghost batch norm over virtual batches, priors, masks, the entropy
           sparsity loss M_loss), cross entropy + lambda_sparse * M_loss, Adam 3 steps, for each mask type; the
           running statistics after the steps
  conf.*   torchaudio's Conformer (models/conformer.py): _lengths_to_padding_mask, ConformerLayer (macaron FFN halves,
           MultiheadAttention with key_padding_mask and need_weights=False, the convolution module: pointwise Conv1d,
           GLU, depthwise Conv1d, BatchNorm1d, SiLU, pointwise Conv1d), 1 layer, a linear head, cross entropy over
           the unpadded frames (ignore_index), Adam 3 steps; running statistics; an eval forward; the first step
           again in float32
  rel.*    ESPnet's Conformer encoder layer with relative positional self-attention (see its section), 1 layer, the
           same head and loss, Adam 3 steps
  dqn.*    the PyTorch DQN tutorial's optimize_model: a replay batch of Transitions with terminal (None) next states,
           non_final_mask, gather of Q(s, a), next_state_values[non_final_mask] = target_net(...).max(1)[0] under
           no_grad, SmoothL1Loss, AdamW(amsgrad=True), clip_grad_value_(100), the soft update of the target's state
           dict (policy * TAU + target * (1 - TAU), then load_state_dict), and once more by lerp_ of each parameter;
           select_action's greedy max(1)[1].view(1, 1)
  nerf.*   yenchen/nerf-pytorch: pose_spherical, get_rays and ndc_rays for a small camera; the Embedder (include_input,
           log-sampled frequency bands, sin and cos), NeRF with a skip connection and view directions, run_network
           (viewdirs expanded to the samples), render_rays with a coarse and a fine network (linspace z_vals,
           raw2outputs with white_bkgd: dists with 1e10 appended and scaled by |rays_d|, the exclusive cumprod of
           1 - alpha + 1e-10, rgb/disp/acc/depth maps; sample_pdf with det=True: searchsorted(right=True), the gather
           of the expanded cdf and bins), img2mse on both passes, mse2psnr, Adam with nerf-pytorch's exponential
           learning-rate decay written into the param groups, 3 steps; the first step again in float32
           (nerf-pytorch's own type, the default type float32 while it runs)
  style.*  the PyTorch neural style transfer tutorial: Normalization, ContentLoss and StyleLoss modules (gram_matrix by
           view and mm) inserted into an nn.Sequential rebuilt from a small conv net's children (conv_i, relu_i with
           inplace=False, pool_i), trimmed after the last loss module by slicing, model.eval() and requires_grad_(False),
           the input image optimized by LBFGS with the tutorial's closure (clamp_ under no_grad inside it, run[0]),
           the final clamp_
  clr.*    Spijkervet/SimCLR's NT_Xent (mask_correlated_samples, CosineSimilarity(dim=2) of z.unsqueeze(1) and
           z.unsqueeze(0), torch.diag with offsets +-batch_size, sim[mask].reshape, zero labels, CrossEntropyLoss(sum)
           / N) over an encoder with a projection head, Adam 3 steps
  clip.*   open_clip's ClipLoss class (logits_per_image and logits_per_text as two matmuls, (CE + CE) / 2) with CLIP's
           logit_scale = log(1 / 0.07), AdamW 3 steps, logit_scale.clamp_(0, log 100) after each
  siglip.* open_clip's SigLipLoss (labels 2 eye - 1, logits += logit_bias, -logsigmoid summed / n) with SigLIP's
           init (logit_scale log 10, logit_bias -10), AdamW 3 steps
  texts16.txt  PyTorch's messages the test compares (key, a tab, the message)
The references' float32 casts (nerf-pytorch's .float(), pose_spherical's .float(), ESPnet's float32 positional table)
are dropped in the float64 programs (they would round down). PyTorch 1.13 and 2.x agree on every op used here
(functional_call is torch.func.functional_call in 2.x, functorch.grad/vmap torch.func.grad/vmap; max(1)[0]/[1] are
2.x's .values/.indices).

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs16.pt (a dict of tensors), texts16.txt.
"""
import copy
import math
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Function
from torch.nn.utils import stateless

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(16)
out = {}
texts = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


def save_buffers(prefix, module):
    for k, b in module.named_buffers():
        out[prefix + k] = b.clone()


def save_grads(prefix, module):
    for k, p in module.named_parameters():
        if p.grad is not None:
            out[prefix + k] = p.grad.clone()


# 1. MAML, first-order MAML, Reptile ---------------------------------------------------------------------------------
def sine_mlp():
    return nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))


TASKS, SHOTS, INNER_STEPS, INNER_LR, META_STEPS = 2, 5, 2, 0.1, 3
amp = torch.rand(META_STEPS, TASKS) * 4.9 + 0.1
phase = torch.rand(META_STEPS, TASKS) * math.pi
xs = torch.rand(META_STEPS, TASKS, SHOTS, 1) * 10 - 5
xq = torch.rand(META_STEPS, TASKS, SHOTS, 1) * 10 - 5
ys = amp[..., None, None] * torch.sin(xs + phase[..., None, None])
yq = amp[..., None, None] * torch.sin(xq + phase[..., None, None])
out["maml.xs"], out["maml.ys"], out["maml.xq"], out["maml.yq"] = xs, ys, xq, yq
maml_init = sine_mlp()
save_state("maml.init.", maml_init)


def maml_run(prefix, first_order):
    model = copy.deepcopy(maml_init)
    meta_opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses, inner_losses = [], []
    for step in range(META_STEPS):
        meta_loss = 0.0
        for t in range(TASKS):
            fast = dict(model.named_parameters())
            for _ in range(INNER_STEPS):
                loss = F.mse_loss(stateless.functional_call(model, fast, (xs[step, t],)), ys[step, t])
                inner_losses.append(loss.item())
                grads = torch.autograd.grad(loss, fast.values(), create_graph=not first_order)
                if first_order:
                    grads = [g.detach() for g in grads]
                fast = {n: w - INNER_LR * g for (n, w), g in zip(fast.items(), grads)}
            meta_loss = meta_loss + F.mse_loss(stateless.functional_call(model, fast, (xq[step, t],)), yq[step, t])
            if step == 0 and t == 0:
                for n, w in fast.items():
                    out[prefix + "fast0." + n] = w.detach().clone()
        meta_loss = meta_loss / TASKS
        meta_opt.zero_grad()
        meta_loss.backward()
        if step == 0:
            save_grads(prefix + "grad0.", model)
        meta_opt.step()
        losses.append(meta_loss.item())
    out[prefix + "loss"] = torch.tensor(losses)
    out[prefix + "inner"] = torch.tensor(inner_losses)
    save_params(prefix + "final.", model)


maml_run("maml.so.", False)
maml_run("maml.fo.", True)


# MAML-Pytorch's Learner: the same net as a list of tensors run by F.linear; its meta-gradient equals functional_call's
def learner_forward(x, vars_):
    x = F.relu(F.linear(x, vars_[0], vars_[1]))
    x = F.relu(F.linear(x, vars_[2], vars_[3]))
    return F.linear(x, vars_[4], vars_[5])


lm = copy.deepcopy(maml_init)
vars_ = list(lm.parameters())
fast_w = vars_
for _ in range(INNER_STEPS):
    loss = F.mse_loss(learner_forward(xs[0, 0], fast_w), ys[0, 0])
    grad = torch.autograd.grad(loss, fast_w, create_graph=True)
    fast_w = list(map(lambda p: p[1] - INNER_LR * p[0], zip(grad, fast_w)))
q = F.mse_loss(learner_forward(xq[0, 0], fast_w), yq[0, 0])
q.backward()
out["maml.learner.qloss"] = q.detach().clone()
save_grads("maml.learner.grad.", lm)

# functorch's maml-regression example as torch.func writes it (functorch 1.13 = torch.func 2.x): vmap over the tasks of
# a loss whose inner step is grad(inner_loss) over the dict of parameters, functional_call with the adapted ones
import functorch

fnet = copy.deepcopy(maml_init)
fparams = dict(fnet.named_parameters())
fopt = torch.optim.Adam(fparams.values(), lr=0.01)


def inner_loss(params, x1, y1):
    return F.mse_loss(stateless.functional_call(fnet, params, (x1,)), y1)


def get_loss_for_task(x1, y1, x2, y2):
    grads = functorch.grad(inner_loss)(fparams, x1, y1)
    new_params = {k: fparams[k] - INNER_LR * grads[k] for k in fparams}
    return F.mse_loss(stateless.functional_call(fnet, new_params, (x2,)), y2)


flosses = []
for step in range(META_STEPS):
    task_losses = functorch.vmap(get_loss_for_task)(xs[step], ys[step], xq[step], yq[step])
    loss2 = sum(task_losses) / len(task_losses)
    fopt.zero_grad()
    loss2.backward()
    if step == 0:
        out["maml.func.task_losses0"] = task_losses.detach().clone()
        save_grads("maml.func.grad0.", fnet)
    fopt.step()
    flosses.append(loss2.item())
out["maml.func.loss"] = torch.tensor(flosses)
save_params("maml.func.final.", fnet)


# MAML-Pytorch's Learner and Meta (omniglot-style conv net, functional F.conv2d / F.batch_norm(training=True) over a
# list of tensors, running statistics shared by every forward, relu inplace), second order: its autograd.grad calls
# given create_graph=True (MAML-Pytorch's own omit it and so train first-order MAML); losses_q[0] and [1] under no_grad
class Learner(nn.Module):
    def __init__(self, config):
        super(Learner, self).__init__()
        self.config = config
        self.vars = nn.ParameterList()
        self.vars_bn = nn.ParameterList()
        for i, (name, param) in enumerate(self.config):
            if name == 'conv2d':
                w = nn.Parameter(torch.ones(*param[:4]))
                torch.nn.init.kaiming_normal_(w)
                self.vars.append(w)
                self.vars.append(nn.Parameter(torch.zeros(param[0])))
            elif name == 'linear':
                w = nn.Parameter(torch.ones(*param))
                torch.nn.init.kaiming_normal_(w)
                self.vars.append(w)
                self.vars.append(nn.Parameter(torch.zeros(param[0])))
            elif name == 'bn':
                w = nn.Parameter(torch.ones(param[0]))
                self.vars.append(w)
                self.vars.append(nn.Parameter(torch.zeros(param[0])))
                running_mean = nn.Parameter(torch.zeros(param[0]), requires_grad=False)
                running_var = nn.Parameter(torch.ones(param[0]), requires_grad=False)
                self.vars_bn.extend([running_mean, running_var])

    def forward(self, x, vars=None, bn_training=True):
        if vars is None:
            vars = self.vars
        idx = 0
        bn_idx = 0
        for name, param in self.config:
            if name == 'conv2d':
                w, b = vars[idx], vars[idx + 1]
                x = F.conv2d(x, w, b, stride=param[4], padding=param[5])
                idx += 2
            elif name == 'linear':
                w, b = vars[idx], vars[idx + 1]
                x = F.linear(x, w, b)
                idx += 2
            elif name == 'bn':
                w, b = vars[idx], vars[idx + 1]
                running_mean, running_var = self.vars_bn[bn_idx], self.vars_bn[bn_idx + 1]
                x = F.batch_norm(x, running_mean, running_var, weight=w, bias=b, training=bn_training)
                idx += 2
                bn_idx += 2
            elif name == 'flatten':
                x = x.view(x.size(0), -1)
            elif name == 'relu':
                x = F.relu(x, inplace=param[0])
        return x

    def parameters(self):
        return self.vars


LEARNER_CONFIG = [('conv2d', [4, 1, 3, 3, 2, 0]), ('relu', [True]), ('bn', [4]),
                  ('conv2d', [4, 4, 3, 3, 1, 0]), ('relu', [True]), ('bn', [4]),
                  ('flatten', []), ('linear', [3, 4])]
UPDATE_LR, UPDATE_STEP, CONV_TASKS, CONV_META_STEPS = 0.4, 2, 2, 2
net = Learner(LEARNER_CONFIG)
out["maml.conv.init.vars"] = torch.cat([p.detach().reshape(-1) for p in net.vars])
x_spt = torch.randn(CONV_META_STEPS, CONV_TASKS, 6, 1, 8, 8)
y_spt = torch.tensor([0, 0, 1, 1, 2, 2]).expand(CONV_META_STEPS, CONV_TASKS, 6).contiguous()
x_qry = torch.randn(CONV_META_STEPS, CONV_TASKS, 6, 1, 8, 8)
y_qry = torch.tensor([0, 1, 2, 0, 1, 2]).expand(CONV_META_STEPS, CONV_TASKS, 6).contiguous()
out["maml.conv.x_spt"], out["maml.conv.x_qry"] = x_spt, x_qry
out["maml.conv.y_spt"], out["maml.conv.y_qry"] = y_spt, y_qry
meta_optim = torch.optim.Adam(net.parameters(), lr=0.01)
closs, clq = [], []
for step in range(CONV_META_STEPS):
    losses_q = [0 for _ in range(UPDATE_STEP + 1)]
    for i in range(CONV_TASKS):
        logits = net(x_spt[step, i], vars=None, bn_training=True)
        loss = F.cross_entropy(logits, y_spt[step, i])
        grad = torch.autograd.grad(loss, net.parameters(), create_graph=True)
        fast_weights = list(map(lambda p: p[1] - UPDATE_LR * p[0], zip(grad, net.parameters())))
        with torch.no_grad():
            logits_q = net(x_qry[step, i], net.parameters(), bn_training=True)
            loss_q = F.cross_entropy(logits_q, y_qry[step, i])
            losses_q[0] += loss_q
        with torch.no_grad():
            logits_q = net(x_qry[step, i], fast_weights, bn_training=True)
            loss_q = F.cross_entropy(logits_q, y_qry[step, i])
            losses_q[1] += loss_q
        for k in range(1, UPDATE_STEP):
            logits = net(x_spt[step, i], fast_weights, bn_training=True)
            loss = F.cross_entropy(logits, y_spt[step, i])
            grad = torch.autograd.grad(loss, fast_weights, create_graph=True)
            fast_weights = list(map(lambda p: p[1] - UPDATE_LR * p[0], zip(grad, fast_weights)))
            logits_q = net(x_qry[step, i], fast_weights, bn_training=True)
            loss_q = F.cross_entropy(logits_q, y_qry[step, i])
            losses_q[k + 1] += loss_q
    loss_q = losses_q[-1] / CONV_TASKS
    meta_optim.zero_grad()
    loss_q.backward()
    if step == 0:
        out["maml.conv.grad0"] = torch.cat([p.grad.reshape(-1) for p in net.vars])
    meta_optim.step()
    closs.append(loss_q.item())
    clq.append([float(l) for l in losses_q])
out["maml.conv.loss"] = torch.tensor(closs)
out["maml.conv.losses_q"] = torch.tensor(clq)
out["maml.conv.final.vars"] = torch.cat([p.detach().reshape(-1) for p in net.vars])
out["maml.conv.final.vars_bn"] = torch.cat([p.detach().reshape(-1) for p in net.vars_bn])

# torch.func.replace_all_batch_norm_modules_ (functorch.experimental in 1.13): a batch norm that tracks running
# statistics loses them (running_mean, running_var, num_batches_tracked None, track_running_stats False), an instance
# norm keeps its own; in eval mode the batch norm then normalizes with the batch's statistics
from functorch.experimental import replace_all_batch_norm_modules_

rb = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2),
                   nn.Sequential(nn.BatchNorm1d(3), nn.InstanceNorm1d(3, track_running_stats=True)))
save_state("bnrepl.init.", rb)
replace_all_batch_norm_modules_(rb)
texts["bnrepl.keys"] = " ".join(rb.state_dict().keys())
texts["bnrepl.repr"] = repr(rb).replace("\n", "|")
rb.eval()
xb = torch.randn(4, 1, 5, 5)
out["bnrepl.x"] = xb
with torch.no_grad():
    out["bnrepl.eval"] = rb[1](rb[0](xb)).clone()

# functorch's MAML on Omniglot (functorch/examples/maml_omniglot/maml-omniglot-transforms.py): a conv net with
# BatchNorm2d(momentum=1), replace_all_batch_norm_modules_, then vmap over the tasks of loss_for_task (inner steps by
# grad(compute_loss) over the parameter dict, functional_call with the parameters and buffers), the query losses
# summed, backward, Adam; on the conv MAML's data, 2 meta-steps (the vmap written as the loop it is defined as, below)
bnet = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4, momentum=1, affine=True), nn.ReLU(inplace=True),
                     nn.MaxPool2d(2, 2), nn.Conv2d(4, 4, 3), nn.BatchNorm2d(4, momentum=1, affine=True),
                     nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(4, 3))
save_state("maml.bn.init.", bnet)
replace_all_batch_norm_modules_(bnet)
bmeta_opt = torch.optim.Adam(dict(bnet.named_parameters()).values(), lr=1e-2)
N_INNER_ITER = 2


def loss_for_task(net, n_inner_iter, x_spt, y_spt, x_qry, y_qry):
    params = dict(net.named_parameters())
    buffers = dict(net.named_buffers())
    querysz = x_qry.size(0)

    def compute_loss(new_params, buffers, x, y):
        logits = stateless.functional_call(net, {**new_params, **buffers}, (x,))  # (new_params, buffers) in 2.x
        return F.cross_entropy(logits, y)

    new_params = params
    for _ in range(n_inner_iter):
        grads = functorch.grad(compute_loss)(new_params, buffers, x_spt, y_spt)
        new_params = {k: new_params[k] - g * 1e-1 for k, g, in grads.items()}
    qry_logits = stateless.functional_call(net, {**new_params, **buffers}, (x_qry,))
    qry_loss = F.cross_entropy(qry_logits, y_qry)
    qry_acc = (qry_logits.argmax(dim=1) == y_qry).sum() / querysz
    return qry_loss, qry_acc


bl, ba = [], []
for step in range(CONV_META_STEPS):
    bmeta_opt.zero_grad()
    # vmap(compute_loss_for_task)(x_spt, y_spt, x_qry, y_qry) as vmap is defined: the per-task results stacked.
    # 1.13's functorch.vmap gives another meta-gradient here (0.010175 for 0.weight[0] where the loop and plain
    # second-order autograd both give 0.011179): its batching rule for batch_norm's backward, which the second-order
    # terms run through, is wrong (pytorch/functorch#534); without batch norm its vmap equals the loop
    res = [loss_for_task(bnet, N_INNER_ITER, x_spt[step, t], y_spt[step, t], x_qry[step, t], y_qry[step, t])
           for t in range(CONV_TASKS)]
    qry_losses, qry_accs = torch.stack([r[0] for r in res]), torch.stack([r[1] for r in res])
    qry_losses.sum().backward()
    if step == 0:
        save_grads("maml.bn.grad0.", bnet)
    bmeta_opt.step()
    bl.append(qry_losses.detach().clone())
    ba.append(qry_accs.clone())
out["maml.bn.qry_losses"], out["maml.bn.qry_accs"] = torch.stack(bl), torch.stack(ba)
save_params("maml.bn.final.", bnet)


# Reptile (openai reptile-sinewaves demo): inner SGD through .data on one task, then interpolate the weights
REPTILE_INNER, REPTILE_LR, REPTILE_OUTER0 = 3, 0.02, 0.1
rep = copy.deepcopy(maml_init)
rep_losses = []
for it in range(META_STEPS):
    weights_before = copy.deepcopy(rep.state_dict())
    for k in range(REPTILE_INNER):
        rep.zero_grad()
        ypred = rep(xs[it, 0])
        loss = (ypred - ys[it, 0]).pow(2).mean()
        loss.backward()
        for param in rep.parameters():
            param.data -= REPTILE_LR * param.grad.data
        rep_losses.append(loss.item())
    outerstepsize = REPTILE_OUTER0 * (1 - it / META_STEPS)
    weights_after = rep.state_dict()
    rep.load_state_dict({name: weights_before[name] + (weights_after[name] - weights_before[name]) * outerstepsize
                         for name in weights_before})
out["maml.reptile.loss"] = torch.tensor(rep_losses)
save_params("maml.reptile.final.", rep)


# 2. TabNet's sparsemax / entmax15 ------------------------------------------------------------------------------------
def _make_ix_like(input, dim=0):
    d = input.size(dim)
    rho = torch.arange(1, d + 1, device=input.device, dtype=input.dtype)
    view = [1] * input.dim()
    view[0] = -1
    return rho.view(view).transpose(0, dim)


class SparsemaxFunction(Function):
    @staticmethod
    def forward(ctx, input, dim=-1):
        ctx.dim = dim
        max_val, _ = input.max(dim=dim, keepdim=True)
        input -= max_val  # same numerical stability trick as for softmax
        tau, supp_size = SparsemaxFunction._threshold_and_support(input, dim=dim)
        output = torch.clamp(input - tau, min=0)
        ctx.save_for_backward(supp_size, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        supp_size, output = ctx.saved_tensors
        dim = ctx.dim
        grad_input = grad_output.clone()
        grad_input[output == 0] = 0
        v_hat = grad_input.sum(dim=dim) / supp_size.to(output.dtype).squeeze()
        v_hat = v_hat.unsqueeze(dim)
        grad_input = torch.where(output != 0, grad_input - v_hat, grad_input)
        return grad_input, None

    @staticmethod
    def _threshold_and_support(input, dim=-1):
        input_srt, _ = torch.sort(input, descending=True, dim=dim)
        input_cumsum = input_srt.cumsum(dim) - 1
        rhos = _make_ix_like(input, dim)
        support = rhos * input_srt > input_cumsum
        support_size = support.sum(dim=dim).unsqueeze(dim)
        tau = input_cumsum.gather(dim, support_size - 1)
        tau /= support_size.to(input.dtype)
        return tau, support_size


class Entmax15Function(Function):
    @staticmethod
    def forward(ctx, input, dim=-1):
        ctx.dim = dim
        max_val, _ = input.max(dim=dim, keepdim=True)
        input = input - max_val  # same numerical stability trick as for softmax
        input = input / 2  # divide by 2 to solve actual Entmax
        tau_star, _ = Entmax15Function._threshold_and_support(input, dim)
        output = torch.clamp(input - tau_star, min=0) ** 2
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        Y, = ctx.saved_tensors
        gppr = Y.sqrt()  # = 1 / g'' (Y)
        dX = grad_output * gppr
        q = dX.sum(ctx.dim) / gppr.sum(ctx.dim)
        q = q.unsqueeze(ctx.dim)
        dX -= q * gppr
        return dX, None

    @staticmethod
    def _threshold_and_support(input, dim=-1):
        Xsrt, _ = torch.sort(input, descending=True, dim=dim)
        rho = _make_ix_like(input, dim)
        mean = Xsrt.cumsum(dim) / rho
        mean_sq = (Xsrt ** 2).cumsum(dim) / rho
        ss = rho * (mean_sq - mean ** 2)
        delta = (1 - ss) / rho
        delta_nz = torch.clamp(delta, 0)
        tau = mean - torch.sqrt(delta_nz)
        support_size = (tau <= Xsrt).sum(dim).unsqueeze(dim)
        tau_star = tau.gather(dim, support_size - 1)
        return tau_star, support_size


# the functions alone: outputs and input gradients for a fixed gradient of the output; sparsemax's in-place shift of
# its input (which TabNet never notices: its input is a temporary)
sm_x = torch.randn(4, 6)
sm_g = torch.randn(4, 6)
out["tabnet.fn.x"], out["tabnet.fn.g"] = sm_x.clone(), sm_g
for name, fn in (("sparsemax", SparsemaxFunction), ("entmax15", Entmax15Function)):
    leaf = sm_x.clone().requires_grad_(True)
    tmp = leaf * 1.0
    y = fn.apply(tmp, -1)
    y.backward(sm_g)
    out["tabnet.fn." + name + ".y"] = y.detach().clone()
    out["tabnet.fn." + name + ".dx"] = leaf.grad.clone()
    out["tabnet.fn." + name + ".tmp_after"] = tmp.detach().clone()


# along another dimension of a 3-d input (_make_ix_like's transpose(0, dim))
sm3_x = torch.randn(5, 3, 4)
sm3_g = torch.randn(5, 3, 4)
out["tabnet.fn3.x"], out["tabnet.fn3.g"] = sm3_x.clone(), sm3_g
for name, fn in (("sparsemax", SparsemaxFunction), ("entmax15", Entmax15Function)):
    for dim in (0, 1):
        leaf = sm3_x.clone().requires_grad_(True)
        y = fn.apply(leaf * 1.0, dim)
        y.backward(sm3_g)
        out["tabnet.fn3.%s.dim%d.y" % (name, dim)] = y.detach().clone()
        out["tabnet.fn3.%s.dim%d.dx" % (name, dim)] = leaf.grad.clone()


# Entmax15Function's backward is differentiable (it reads the saved output, whose history is the function itself):
# a Hessian-vector product through it by autograd.grad(create_graph=True)
hx = (sm3_x[:, 0, :] * 0.1).requires_grad_(True)  # small: full support (sqrt's derivative finite)
hy = Entmax15Function.apply(hx * 1.0, -1)
hg = torch.autograd.grad((hy * sm3_g[:, 0, :]).sum(), hx, create_graph=True)[0]
(hg * sm3_g[:, 1, :]).sum().backward()
out["tabnet.hvp.g"] = hg.detach().clone()
out["tabnet.hvp.dx"] = hx.grad.clone()
# the in-place shift of sparsemax's forward on a leaf (allowed: forward runs without grad) and on a view (the base
# changes); a tensor saved by exp and shifted by it: the backward refuses (texts16.txt has PyTorch's message)
sl = sm_x.clone().requires_grad_(True)
sy = SparsemaxFunction.apply(sl, -1)
sy.backward(sm_g)
out["tabnet.inplace.leaf_after"] = sl.detach().clone()
out["tabnet.inplace.leaf_y"] = sy.detach().clone()
out["tabnet.inplace.leaf_dx"] = sl.grad.clone()
base = sm_x * 1.0
SparsemaxFunction.apply(base[:, 1:4], -1)
out["tabnet.inplace.base_after"] = base.clone()
ea = sm_x.clone().requires_grad_(True)
ee = ea.exp()
ey = SparsemaxFunction.apply(ee, -1)
try:
    ey.backward(sm_g)
    raise AssertionError("no error")
except RuntimeError as ex:
    texts["sparsemax.saved_by_exp"] = str(ex)


class GBN(nn.Module):
    def __init__(self, input_dim, virtual_batch_size=128, momentum=0.01):
        super().__init__()
        self.input_dim = input_dim
        self.virtual_batch_size = virtual_batch_size
        self.bn = nn.BatchNorm1d(self.input_dim, momentum=momentum)

    def forward(self, x):
        chunks = x.chunk(int(math.ceil(x.shape[0] / self.virtual_batch_size)), 0)
        res = [self.bn(x_) for x_ in chunks]
        return torch.cat(res, dim=0)


class GLUBlock(nn.Module):  # one GLU layer of TabNet's FeatTransformer
    def __init__(self, input_dim, output_dim, vbs):
        super().__init__()
        self.output_dim = output_dim
        self.fc = nn.Linear(input_dim, 2 * output_dim, bias=False)
        self.bn = GBN(2 * output_dim, virtual_batch_size=vbs, momentum=0.02)

    def forward(self, x):
        x = self.fc(x)
        x = self.bn(x)
        return torch.mul(x[:, : self.output_dim], torch.sigmoid(x[:, self.output_dim:]))


class AttentiveTransformer(nn.Module):
    def __init__(self, input_dim, group_dim, vbs, mask_type):
        super().__init__()
        self.fc = nn.Linear(input_dim, group_dim, bias=False)
        self.bn = GBN(group_dim, virtual_batch_size=vbs, momentum=0.02)
        self.selector = SparsemaxFunction if mask_type == "sparsemax" else Entmax15Function

    def forward(self, priors, processed_feat):
        x = self.fc(processed_feat)
        x = self.bn(x)
        x = torch.mul(x, priors)
        return self.selector.apply(x, -1)


N_FEAT, N_D, N_A, N_STEPS, GAMMA_T, VBS, EPS = 6, 4, 4, 2, 1.3, 4, 1e-15


class TabNetEncoder(nn.Module):
    def __init__(self, mask_type):
        super().__init__()
        self.initial_bn = nn.BatchNorm1d(N_FEAT, momentum=0.01)
        self.initial_splitter = GLUBlock(N_FEAT, N_D + N_A, VBS)
        self.feat_transformers = nn.ModuleList([GLUBlock(N_FEAT, N_D + N_A, VBS) for _ in range(N_STEPS)])
        self.att_transformers = nn.ModuleList([AttentiveTransformer(N_A, N_FEAT, VBS, mask_type)
                                               for _ in range(N_STEPS)])
        self.final_mapping = nn.Linear(N_D, 3, bias=False)

    def forward(self, x):
        x = self.initial_bn(x)
        prior = torch.ones(x.shape)
        M_loss = 0
        att = self.initial_splitter(x)[:, N_D:]
        steps_output = []
        for step in range(N_STEPS):
            M = self.att_transformers[step](prior, att)
            M_loss += torch.mean(torch.sum(torch.mul(M, torch.log(M + EPS)), dim=1))
            prior = torch.mul(GAMMA_T - M, prior)
            masked_x = torch.mul(M, x)
            out_ = self.feat_transformers[step](masked_x)
            d = F.relu(out_[:, :N_D])
            steps_output.append(d)
            att = out_[:, N_D:]
        M_loss /= N_STEPS
        res = torch.sum(torch.stack(steps_output, dim=0), dim=0)
        return self.final_mapping(res), M_loss


tab_x = torch.randn(3, 10, N_FEAT)
tab_y = torch.randint(0, 3, (3, 10))
out["tabnet.x"], out["tabnet.y"] = tab_x, tab_y
for mask_type in ("sparsemax", "entmax15"):
    pre = "tabnet." + mask_type + "."
    enc = TabNetEncoder(mask_type)
    save_state(pre + "init.", enc)
    opt = torch.optim.Adam(enc.parameters(), lr=0.02)
    losses = []
    for step in range(3):
        logits, m_loss = enc(tab_x[step])
        loss = F.cross_entropy(logits, tab_y[step]) - 1e-3 * m_loss
        opt.zero_grad()
        loss.backward()
        if step == 0:
            out[pre + "logits0"] = logits.detach().clone()
            out[pre + "mloss0"] = m_loss.detach().clone()
            save_grads(pre + "grad0.", enc)
        opt.step()
        losses.append(loss.item())
    out[pre + "loss"] = torch.tensor(losses)
    save_params(pre + "final.", enc)
    save_buffers(pre + "buffers.", enc)
    enc.eval()
    with torch.no_grad():
        out[pre + "eval"] = enc(tab_x[0])[0].clone()


# 3. torchaudio's Conformer -------------------------------------------------------------------------------------------
def _lengths_to_padding_mask(lengths):
    batch_size = lengths.shape[0]
    max_length = int(torch.max(lengths).item())
    padding_mask = torch.arange(max_length, device=lengths.device, dtype=lengths.dtype).expand(
        batch_size, max_length) >= lengths.unsqueeze(1)
    return padding_mask


class _ConvolutionModule(nn.Module):
    def __init__(self, input_dim, num_channels, depthwise_kernel_size, dropout=0.0, bias=False):
        super().__init__()
        self.layer_norm = nn.LayerNorm(input_dim)
        self.sequential = nn.Sequential(
            nn.Conv1d(input_dim, 2 * num_channels, 1, stride=1, padding=0, bias=bias),
            nn.GLU(dim=1),
            nn.Conv1d(num_channels, num_channels, depthwise_kernel_size, stride=1,
                      padding=(depthwise_kernel_size - 1) // 2, groups=num_channels, bias=bias),
            nn.BatchNorm1d(num_channels),
            nn.SiLU(),
            nn.Conv1d(num_channels, input_dim, kernel_size=1, stride=1, padding=0, bias=bias),
            nn.Dropout(dropout),
        )

    def forward(self, input):
        x = self.layer_norm(input)
        x = x.transpose(1, 2)
        x = self.sequential(x)
        return x.transpose(1, 2)


class _FeedForwardModule(nn.Module):
    def __init__(self, input_dim, hidden_dim, dropout=0.0):
        super().__init__()
        self.sequential = nn.Sequential(
            nn.LayerNorm(input_dim),
            nn.Linear(input_dim, hidden_dim, bias=True),
            nn.SiLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, input_dim, bias=True),
            nn.Dropout(dropout),
        )

    def forward(self, input):
        return self.sequential(input)


class ConformerLayer(nn.Module):
    def __init__(self, input_dim, ffn_dim, num_attention_heads, depthwise_conv_kernel_size, dropout=0.0):
        super().__init__()
        self.ffn1 = _FeedForwardModule(input_dim, ffn_dim, dropout=dropout)
        self.self_attn_layer_norm = nn.LayerNorm(input_dim)
        self.self_attn = nn.MultiheadAttention(input_dim, num_attention_heads, dropout=dropout)
        self.self_attn_dropout = nn.Dropout(dropout)
        self.conv_module = _ConvolutionModule(input_dim, input_dim, depthwise_conv_kernel_size, dropout=dropout)
        self.ffn2 = _FeedForwardModule(input_dim, ffn_dim, dropout=dropout)
        self.final_layer_norm = nn.LayerNorm(input_dim)

    def _apply_convolution(self, input):
        residual = input
        input = input.transpose(0, 1)
        input = self.conv_module(input)
        input = input.transpose(0, 1)
        return residual + input

    def forward(self, input, key_padding_mask):
        residual = input
        x = self.ffn1(input)
        x = x * 0.5 + residual
        residual = x
        x = self.self_attn_layer_norm(x)
        x, _ = self.self_attn(query=x, key=x, value=x, key_padding_mask=key_padding_mask, need_weights=False)
        x = self.self_attn_dropout(x)
        x = x + residual
        x = self._apply_convolution(x)
        residual = x
        x = self.ffn2(x)
        x = x * 0.5 + residual
        x = self.final_layer_norm(x)
        return x


class Conformer(nn.Module):
    def __init__(self, input_dim, num_heads, ffn_dim, num_layers, depthwise_conv_kernel_size):
        super().__init__()
        self.conformer_layers = nn.ModuleList([ConformerLayer(input_dim, ffn_dim, num_heads,
                                                              depthwise_conv_kernel_size)
                                               for _ in range(num_layers)])

    def forward(self, input, lengths):
        encoder_padding_mask = _lengths_to_padding_mask(lengths)
        x = input.transpose(0, 1)
        for layer in self.conformer_layers:
            x = layer(x, encoder_padding_mask)
        return x.transpose(0, 1), lengths


class ConformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conformer = Conformer(8, 2, 16, 1, 3)
        self.head = nn.Linear(8, 5)

    def forward(self, x, lengths):
        y, lengths = self.conformer(x, lengths)
        return self.head(y), lengths


conf_x = torch.randn(3, 2, 6, 8)
conf_len = torch.tensor([6, 4])
conf_y = torch.randint(0, 5, (3, 2, 6))
conf_y[:, 1, 4:] = -100
out["conf.x"], out["conf.len"], out["conf.y"] = conf_x, conf_len, conf_y
out["conf.mask"] = _lengths_to_padding_mask(conf_len)
cm = ConformerClassifier()
save_state("conf.init.", cm)
opt = torch.optim.Adam(cm.parameters(), lr=0.01)
losses = []
for step in range(3):
    logits, _ = cm(conf_x[step], conf_len)
    loss = F.cross_entropy(logits.reshape(-1, 5), conf_y[step].reshape(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        out["conf.logits0"] = logits.detach().clone()
        save_grads("conf.grad0.", cm)
    opt.step()
    losses.append(loss.item())
out["conf.loss"] = torch.tensor(losses)
save_params("conf.final.", cm)
save_buffers("conf.buffers.", cm)
cm.eval()
with torch.no_grad():
    out["conf.eval"] = cm(conf_x[0], conf_len)[0].clone()

# the first forward and backward again in float32 from the same weights
cm32 = ConformerClassifier()
cm32.load_state_dict({k[len("conf.init."):]: v for k, v in out.items() if k.startswith("conf.init.")})
cm32.float()
logits, _ = cm32(conf_x[0].float(), conf_len)
loss = F.cross_entropy(logits.reshape(-1, 5), conf_y[0].reshape(-1), ignore_index=-100)
loss.backward()
out["conf.f32.loss"] = loss.detach().clone()
save_grads("conf.f32.grad.", cm32)


# ESPnet's Conformer encoder layer with relative positional self-attention (espnet/nets/pytorch_backend): the
# RelPositionalEncoding of the latest version (positive positions flipped, negative ones appended, x * sqrt(d)),
# RelPositionMultiHeadedAttention (pos_bias_u / pos_bias_v, linear_pos, rel_shift by zero pad, view and the view_as of
# a sliced view), forward_attention (masked_fill with finfo.min, softmax, masked_fill 0), the macaron EncoderLayer
# (normalize_before, ff_scale 0.5, norm_final), ESPnet's LayerNorm (eps 1e-12), ConvolutionModule with Swish, masks
# by make_non_pad_mask(lengths).unsqueeze(-2). RelPositionalEncoding builds its table in float32
# (arange(..., dtype=torch.float32)); the float64 program builds it in float64 (the cast dropped, as elsewhere).
class EspLayerNorm(nn.LayerNorm):
    def __init__(self, nout, dim=-1):
        super(EspLayerNorm, self).__init__(nout, eps=1e-12)
        self.dim = dim


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class RelPositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout_rate, max_len=5000):
        super(RelPositionalEncoding, self).__init__()
        self.d_model = d_model
        self.xscale = math.sqrt(self.d_model)
        self.dropout = nn.Dropout(p=dropout_rate)
        self.pe = None
        self.extend_pe(torch.tensor(0.0).expand(1, max_len))

    def extend_pe(self, x):
        if self.pe is not None:
            if self.pe.size(1) >= x.size(1) * 2 - 1:
                if self.pe.dtype != x.dtype or self.pe.device != x.device:
                    self.pe = self.pe.to(dtype=x.dtype, device=x.device)
                return
        pe_positive = torch.zeros(x.size(1), self.d_model)
        pe_negative = torch.zeros(x.size(1), self.d_model)
        position = torch.arange(0, x.size(1)).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, self.d_model, 2) * -(math.log(10000.0) / self.d_model))
        pe_positive[:, 0::2] = torch.sin(position * div_term)
        pe_positive[:, 1::2] = torch.cos(position * div_term)
        pe_negative[:, 0::2] = torch.sin(-1 * position * div_term)
        pe_negative[:, 1::2] = torch.cos(-1 * position * div_term)
        pe_positive = torch.flip(pe_positive, [0]).unsqueeze(0)
        pe_negative = pe_negative[1:].unsqueeze(0)
        pe = torch.cat([pe_positive, pe_negative], dim=1)
        self.pe = pe.to(device=x.device, dtype=x.dtype)

    def forward(self, x):
        self.extend_pe(x)
        x = x * self.xscale
        pos_emb = self.pe[:, self.pe.size(1) // 2 - x.size(1) + 1: self.pe.size(1) // 2 + x.size(1)]
        return self.dropout(x), self.dropout(pos_emb)


class EspMultiHeadedAttention(nn.Module):
    def __init__(self, n_head, n_feat, dropout_rate):
        super(EspMultiHeadedAttention, self).__init__()
        self.d_k = n_feat // n_head
        self.h = n_head
        self.linear_q = nn.Linear(n_feat, n_feat)
        self.linear_k = nn.Linear(n_feat, n_feat)
        self.linear_v = nn.Linear(n_feat, n_feat)
        self.linear_out = nn.Linear(n_feat, n_feat)
        self.attn = None
        self.dropout = nn.Dropout(p=dropout_rate)

    def forward_qkv(self, query, key, value):
        n_batch = query.size(0)
        q = self.linear_q(query).view(n_batch, -1, self.h, self.d_k)
        k = self.linear_k(key).view(n_batch, -1, self.h, self.d_k)
        v = self.linear_v(value).view(n_batch, -1, self.h, self.d_k)
        return q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)

    def forward_attention(self, value, scores, mask):
        n_batch = value.size(0)
        if mask is not None:
            mask = mask.unsqueeze(1).eq(0)
            min_value = torch.finfo(scores.dtype).min
            scores = scores.masked_fill(mask, min_value)
            self.attn = torch.softmax(scores, dim=-1).masked_fill(mask, 0.0)
        else:
            self.attn = torch.softmax(scores, dim=-1)
        p_attn = self.dropout(self.attn)
        x = torch.matmul(p_attn, value)
        x = x.transpose(1, 2).contiguous().view(n_batch, -1, self.h * self.d_k)
        return self.linear_out(x)


class RelPositionMultiHeadedAttention(EspMultiHeadedAttention):
    def __init__(self, n_head, n_feat, dropout_rate, zero_triu=False):
        super().__init__(n_head, n_feat, dropout_rate)
        self.zero_triu = zero_triu
        self.linear_pos = nn.Linear(n_feat, n_feat, bias=False)
        self.pos_bias_u = nn.Parameter(torch.Tensor(self.h, self.d_k))
        self.pos_bias_v = nn.Parameter(torch.Tensor(self.h, self.d_k))
        torch.nn.init.xavier_uniform_(self.pos_bias_u)
        torch.nn.init.xavier_uniform_(self.pos_bias_v)

    def rel_shift(self, x):
        zero_pad = torch.zeros((*x.size()[:3], 1), device=x.device, dtype=x.dtype)
        x_padded = torch.cat([zero_pad, x], dim=-1)
        x_padded = x_padded.view(*x.size()[:2], x.size(3) + 1, x.size(2))
        x = x_padded[:, :, 1:].view_as(x)[:, :, :, : x.size(-1) // 2 + 1]
        if self.zero_triu:
            ones = torch.ones((x.size(2), x.size(3)), device=x.device)
            x = x * torch.tril(ones, x.size(3) - x.size(2))[None, None, :, :]
        return x

    def forward(self, query, key, value, pos_emb, mask):
        q, k, v = self.forward_qkv(query, key, value)
        q = q.transpose(1, 2)
        n_batch_pos = pos_emb.size(0)
        p = self.linear_pos(pos_emb).view(n_batch_pos, -1, self.h, self.d_k)
        p = p.transpose(1, 2)
        q_with_bias_u = (q + self.pos_bias_u).transpose(1, 2)
        q_with_bias_v = (q + self.pos_bias_v).transpose(1, 2)
        matrix_ac = torch.matmul(q_with_bias_u, k.transpose(-2, -1))
        matrix_bd = torch.matmul(q_with_bias_v, p.transpose(-2, -1))
        matrix_bd = self.rel_shift(matrix_bd)
        scores = (matrix_ac + matrix_bd) / math.sqrt(self.d_k)
        return self.forward_attention(v, scores, mask)


class PositionwiseFeedForward(nn.Module):
    def __init__(self, idim, hidden_units, dropout_rate, activation=nn.ReLU()):
        super(PositionwiseFeedForward, self).__init__()
        self.w_1 = nn.Linear(idim, hidden_units)
        self.w_2 = nn.Linear(hidden_units, idim)
        self.dropout = nn.Dropout(dropout_rate)
        self.activation = activation

    def forward(self, x):
        return self.w_2(self.dropout(self.activation(self.w_1(x))))


class EspConvolutionModule(nn.Module):
    def __init__(self, channels, kernel_size, activation=nn.ReLU(), bias=True):
        super(EspConvolutionModule, self).__init__()
        self.pointwise_conv1 = nn.Conv1d(channels, 2 * channels, kernel_size=1, stride=1, padding=0, bias=bias)
        self.depthwise_conv = nn.Conv1d(channels, channels, kernel_size, stride=1, padding=(kernel_size - 1) // 2,
                                        groups=channels, bias=bias)
        self.norm = nn.BatchNorm1d(channels)
        self.pointwise_conv2 = nn.Conv1d(channels, channels, kernel_size=1, stride=1, padding=0, bias=bias)
        self.activation = activation

    def forward(self, x):
        x = x.transpose(1, 2)
        x = self.pointwise_conv1(x)
        x = nn.functional.glu(x, dim=1)
        x = self.depthwise_conv(x)
        x = self.activation(self.norm(x))
        x = self.pointwise_conv2(x)
        return x.transpose(1, 2)


class EncoderLayer(nn.Module):
    def __init__(self, size, self_attn, feed_forward, feed_forward_macaron, conv_module, dropout_rate,
                 normalize_before=True):
        super(EncoderLayer, self).__init__()
        self.self_attn = self_attn
        self.feed_forward = feed_forward
        self.feed_forward_macaron = feed_forward_macaron
        self.conv_module = conv_module
        self.norm_ff = EspLayerNorm(size)
        self.norm_mha = EspLayerNorm(size)
        self.ff_scale = 0.5
        self.norm_ff_macaron = EspLayerNorm(size)
        self.norm_conv = EspLayerNorm(size)
        self.norm_final = EspLayerNorm(size)
        self.dropout = nn.Dropout(dropout_rate)
        self.size = size
        self.normalize_before = normalize_before

    def forward(self, x_input, mask):
        x, pos_emb = x_input[0], x_input[1]
        residual = x
        if self.normalize_before:
            x = self.norm_ff_macaron(x)
        x = residual + self.ff_scale * self.dropout(self.feed_forward_macaron(x))
        residual = x
        if self.normalize_before:
            x = self.norm_mha(x)
        x_q = x
        x_att = self.self_attn(x_q, x, x, pos_emb, mask)
        x = residual + self.dropout(x_att)
        residual = x
        if self.normalize_before:
            x = self.norm_conv(x)
        x = residual + self.dropout(self.conv_module(x))
        residual = x
        if self.normalize_before:
            x = self.norm_ff(x)
        x = residual + self.ff_scale * self.dropout(self.feed_forward(x))
        x = self.norm_final(x)
        return (x, pos_emb), mask


def make_non_pad_mask(lengths):
    # espnet's make_pad_mask / make_non_pad_mask for a lengths tensor, xs None, length_dim -1
    bs = int(len(lengths))
    maxlen = int(max(lengths))
    seq_range = torch.arange(0, maxlen, dtype=torch.int64)
    seq_range_expand = seq_range.unsqueeze(0).expand(bs, maxlen)
    seq_length_expand = seq_range_expand.new(lengths).unsqueeze(-1)
    return ~(seq_range_expand >= seq_length_expand)


class EspConformer(nn.Module):
    def __init__(self, adim=8, heads=2, units=16, blocks=1, kernel=3):
        super().__init__()
        self.embed = nn.Sequential(nn.Linear(6, adim), EspLayerNorm(adim), nn.Dropout(0.0), nn.ReLU(),
                                   RelPositionalEncoding(adim, 0.0))
        self.encoders = nn.ModuleList([EncoderLayer(
            adim, RelPositionMultiHeadedAttention(heads, adim, 0.0),
            PositionwiseFeedForward(adim, units, 0.0, Swish()), PositionwiseFeedForward(adim, units, 0.0, Swish()),
            EspConvolutionModule(adim, kernel, Swish()), 0.0) for _ in range(blocks)])
        self.after_norm = EspLayerNorm(adim)
        self.head = nn.Linear(adim, 5)

    def forward(self, xs, ilens):
        masks = make_non_pad_mask(ilens.tolist()).unsqueeze(-2)
        xs = self.embed(xs)
        for enc in self.encoders:
            xs, masks = enc(xs, masks)
        xs = self.after_norm(xs[0])
        return self.head(xs), masks


rel_x = torch.randn(3, 2, 6, 6)
rel_len = torch.tensor([6, 4])
out["rel.x"], out["rel.len"] = rel_x, rel_len
rel = EspConformer()
save_state("rel.init.", rel)
opt = torch.optim.Adam(rel.parameters(), lr=0.01)
losses = []
for step in range(3):
    logits, masks = rel(rel_x[step], rel_len)
    loss = F.cross_entropy(logits.reshape(-1, 5), conf_y[step].reshape(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    if step == 0:
        out["rel.logits0"] = logits.detach().clone()
        out["rel.pe"] = rel.embed[4].pe[0, 4995:5006].clone()
        save_grads("rel.grad0.", rel)
    opt.step()
    losses.append(loss.item())
out["rel.loss"] = torch.tensor(losses)
save_params("rel.final.", rel)
save_buffers("rel.buffers.", rel)


# 4. the DQN tutorial's optimize_model ---------------------------------------------------------------------------------
Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class DQN(nn.Module):
    def __init__(self, n_observations, n_actions):
        super(DQN, self).__init__()
        self.layer1 = nn.Linear(n_observations, 16)
        self.layer2 = nn.Linear(16, 16)
        self.layer3 = nn.Linear(16, n_actions)

    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


BATCH_SIZE, GAMMA, TAU, LR, N_OBS, N_ACT, DQN_STEPS = 6, 0.99, 0.005, 1e-2, 4, 2, 3
policy_net = DQN(N_OBS, N_ACT)
target_net = DQN(N_OBS, N_ACT)
target_net.load_state_dict(policy_net.state_dict())
save_state("dqn.init.", policy_net)
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
d_states = torch.randn(DQN_STEPS, BATCH_SIZE, N_OBS)
d_actions = torch.randint(0, N_ACT, (DQN_STEPS, BATCH_SIZE))
d_next = torch.randn(DQN_STEPS, BATCH_SIZE, N_OBS)
d_rewards = torch.rand(DQN_STEPS, BATCH_SIZE)
d_done = torch.tensor([[False, True, False, False, True, False],
                       [False, False, False, False, False, False],
                       [True, False, False, True, False, False]])
out["dqn.states"], out["dqn.actions"], out["dqn.next"] = d_states, d_actions, d_next
out["dqn.rewards"], out["dqn.done"] = d_rewards, d_done
losses = []
for step in range(DQN_STEPS):
    transitions = [Transition(d_states[step, i:i + 1], d_actions[step, i].view(1, 1),
                              None if d_done[step, i] else d_next[step, i:i + 1], d_rewards[step, i].view(1))
                   for i in range(BATCH_SIZE)]
    batch = Transition(*zip(*transitions))
    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
    state_batch = torch.cat(batch.state)
    action_batch = torch.cat(batch.action)
    reward_batch = torch.cat(batch.reward)
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    next_state_values = torch.zeros(BATCH_SIZE)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1)[0]
    expected_state_action_values = (next_state_values * GAMMA) + reward_batch
    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    if step == 0:
        out["dqn.sav0"] = state_action_values.detach().clone()
        out["dqn.expected0"] = expected_state_action_values.clone()
        save_grads("dqn.grad0.", policy_net)
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()
    losses.append(loss.item())
    target_net_state_dict = target_net.state_dict()
    policy_net_state_dict = policy_net.state_dict()
    for key in policy_net_state_dict:
        target_net_state_dict[key] = policy_net_state_dict[key] * TAU + target_net_state_dict[key] * (1 - TAU)
    target_net.load_state_dict(target_net_state_dict)
out["dqn.loss"] = torch.tensor(losses)
# the other soft update people write: lerp_ of every target parameter toward the policy's under no_grad
lerp_target = DQN(N_OBS, N_ACT)
lerp_target.load_state_dict(target_net.state_dict())
with torch.no_grad():
    for target_param, param in zip(lerp_target.parameters(), policy_net.parameters()):
        target_param.lerp_(param, TAU)
save_params("dqn.lerp.", lerp_target)
save_params("dqn.final.", policy_net)
save_params("dqn.target.", target_net)
with torch.no_grad():
    out["dqn.action"] = policy_net(d_states[0, :1]).max(1)[1].view(1, 1)


# 5. nerf-pytorch -----------------------------------------------------------------------------------------------------
class Embedder:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.create_embedding_fn()

    def create_embedding_fn(self):
        embed_fns = []
        d = self.kwargs['input_dims']
        out_dim = 0
        if self.kwargs['include_input']:
            embed_fns.append(lambda x: x)
            out_dim += d
        max_freq = self.kwargs['max_freq_log2']
        N_freqs = self.kwargs['num_freqs']
        if self.kwargs['log_sampling']:
            freq_bands = 2. ** torch.linspace(0., max_freq, steps=N_freqs)
        else:
            freq_bands = torch.linspace(2. ** 0., 2. ** max_freq, steps=N_freqs)
        for freq in freq_bands:
            for p_fn in self.kwargs['periodic_fns']:
                embed_fns.append(lambda x, p_fn=p_fn, freq=freq: p_fn(x * freq))
                out_dim += d
        self.embed_fns = embed_fns
        self.out_dim = out_dim

    def embed(self, inputs):
        return torch.cat([fn(inputs) for fn in self.embed_fns], -1)


def get_embedder(multires):
    embed_kwargs = {'include_input': True, 'input_dims': 3, 'max_freq_log2': multires - 1, 'num_freqs': multires,
                    'log_sampling': True, 'periodic_fns': [torch.sin, torch.cos]}
    embedder_obj = Embedder(**embed_kwargs)
    return (lambda x, eo=embedder_obj: eo.embed(x)), embedder_obj.out_dim


class NeRF(nn.Module):
    def __init__(self, D=8, W=256, input_ch=3, input_ch_views=3, output_ch=4, skips=[4], use_viewdirs=False):
        super(NeRF, self).__init__()
        self.D = D
        self.W = W
        self.input_ch = input_ch
        self.input_ch_views = input_ch_views
        self.skips = skips
        self.use_viewdirs = use_viewdirs
        self.pts_linears = nn.ModuleList(
            [nn.Linear(input_ch, W)] + [nn.Linear(W, W) if i not in self.skips else nn.Linear(W + input_ch, W)
                                        for i in range(D - 1)])
        self.views_linears = nn.ModuleList([nn.Linear(input_ch_views + W, W // 2)])
        if use_viewdirs:
            self.feature_linear = nn.Linear(W, W)
            self.alpha_linear = nn.Linear(W, 1)
            self.rgb_linear = nn.Linear(W // 2, 3)
        else:
            self.output_linear = nn.Linear(W, output_ch)

    def forward(self, x):
        input_pts, input_views = torch.split(x, [self.input_ch, self.input_ch_views], dim=-1)
        h = input_pts
        for i, l in enumerate(self.pts_linears):
            h = self.pts_linears[i](h)
            h = F.relu(h)
            if i in self.skips:
                h = torch.cat([input_pts, h], -1)
        if self.use_viewdirs:
            alpha = self.alpha_linear(h)
            feature = self.feature_linear(h)
            h = torch.cat([feature, input_views], -1)
            for i, l in enumerate(self.views_linears):
                h = self.views_linears[i](h)
                h = F.relu(h)
            rgb = self.rgb_linear(h)
            outputs = torch.cat([rgb, alpha], -1)
        else:
            outputs = self.output_linear(h)
        return outputs


def run_network(inputs, viewdirs, fn, embed_fn, embeddirs_fn):
    inputs_flat = torch.reshape(inputs, [-1, inputs.shape[-1]])
    embedded = embed_fn(inputs_flat)
    if viewdirs is not None:
        input_dirs = viewdirs[:, None].expand(inputs.shape)
        input_dirs_flat = torch.reshape(input_dirs, [-1, input_dirs.shape[-1]])
        embedded_dirs = embeddirs_fn(input_dirs_flat)
        embedded = torch.cat([embedded, embedded_dirs], -1)
    outputs_flat = fn(embedded)  # batchify with a chunk larger than the batch
    return torch.reshape(outputs_flat, list(inputs.shape[:-1]) + [outputs_flat.shape[-1]])


def raw2outputs(raw, z_vals, rays_d, raw_noise_std=0, white_bkgd=False):
    raw2alpha = lambda raw, dists, act_fn=F.relu: 1. - torch.exp(-act_fn(raw) * dists)
    dists = z_vals[..., 1:] - z_vals[..., :-1]
    dists = torch.cat([dists, torch.Tensor([1e10]).expand(dists[..., :1].shape)], -1)
    dists = dists * torch.norm(rays_d[..., None, :], dim=-1)
    rgb = torch.sigmoid(raw[..., :3])
    noise = 0.
    alpha = raw2alpha(raw[..., 3] + noise, dists)
    weights = alpha * torch.cumprod(torch.cat([torch.ones((alpha.shape[0], 1)), 1. - alpha + 1e-10], -1), -1)[:, :-1]
    rgb_map = torch.sum(weights[..., None] * rgb, -2)
    depth_map = torch.sum(weights * z_vals, -1)
    disp_map = 1. / torch.max(1e-10 * torch.ones_like(depth_map), depth_map / torch.sum(weights, -1))
    acc_map = torch.sum(weights, -1)
    if white_bkgd:
        rgb_map = rgb_map + (1. - acc_map[..., None])
    return rgb_map, disp_map, acc_map, weights, depth_map


def sample_pdf(bins, weights, N_samples, det=False):
    weights = weights + 1e-5  # prevent nans
    pdf = weights / torch.sum(weights, -1, keepdim=True)
    cdf = torch.cumsum(pdf, -1)
    cdf = torch.cat([torch.zeros_like(cdf[..., :1]), cdf], -1)
    u = torch.linspace(0., 1., steps=N_samples)
    u = u.expand(list(cdf.shape[:-1]) + [N_samples])
    u = u.contiguous()
    inds = torch.searchsorted(cdf, u, right=True)
    below = torch.max(torch.zeros_like(inds - 1), inds - 1)
    above = torch.min((cdf.shape[-1] - 1) * torch.ones_like(inds), inds)
    inds_g = torch.stack([below, above], -1)
    matched_shape = [inds_g.shape[0], inds_g.shape[1], cdf.shape[-1]]
    cdf_g = torch.gather(cdf.unsqueeze(1).expand(matched_shape), 2, inds_g)
    bins_g = torch.gather(bins.unsqueeze(1).expand(matched_shape), 2, inds_g)
    denom = (cdf_g[..., 1] - cdf_g[..., 0])
    denom = torch.where(denom < 1e-5, torch.ones_like(denom), denom)
    t = (u - cdf_g[..., 0]) / denom
    return bins_g[..., 0] + t * (bins_g[..., 1] - bins_g[..., 0])


N_SAMPLES, N_IMPORTANCE, NEAR, FAR = 8, 8, 2.0, 6.0
embed_fn, input_ch = get_embedder(3)
embeddirs_fn, input_ch_views = get_embedder(2)
model = NeRF(D=4, W=16, input_ch=input_ch, input_ch_views=input_ch_views, output_ch=5, skips=[2], use_viewdirs=True)
model_fine = NeRF(D=4, W=16, input_ch=input_ch, input_ch_views=input_ch_views, output_ch=5, skips=[2],
                  use_viewdirs=True)
save_state("nerf.coarse.init.", model)
save_state("nerf.fine.init.", model_fine)


def render_rays(ray_batch):
    N_rays = ray_batch.shape[0]
    rays_o, rays_d = ray_batch[:, 0:3], ray_batch[:, 3:6]
    viewdirs = ray_batch[:, -3:]
    bounds = torch.reshape(ray_batch[..., 6:8], [-1, 1, 2])
    near, far = bounds[..., 0], bounds[..., 1]
    t_vals = torch.linspace(0., 1., steps=N_SAMPLES)
    z_vals = near * (1. - t_vals) + far * (t_vals)
    z_vals = z_vals.expand([N_rays, N_SAMPLES])
    pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
    raw = run_network(pts, viewdirs, model, embed_fn, embeddirs_fn)
    rgb_map, disp_map, acc_map, weights, depth_map = raw2outputs(raw, z_vals, rays_d, 0, True)
    rgb_map_0, disp_map_0, acc_map_0 = rgb_map, disp_map, acc_map
    z_vals_mid = .5 * (z_vals[..., 1:] + z_vals[..., :-1])
    z_samples = sample_pdf(z_vals_mid, weights[..., 1:-1], N_IMPORTANCE, det=True)
    z_samples = z_samples.detach()
    z_vals, _ = torch.sort(torch.cat([z_vals, z_samples], -1), -1)
    pts = rays_o[..., None, :] + rays_d[..., None, :] * z_vals[..., :, None]
    raw = run_network(pts, viewdirs, model_fine, embed_fn, embeddirs_fn)
    rgb_map, disp_map, acc_map, weights, depth_map = raw2outputs(raw, z_vals, rays_d, 0, True)
    return {'rgb_map': rgb_map, 'disp_map': disp_map, 'acc_map': acc_map, 'depth_map': depth_map, 'raw': raw,
            'rgb0': rgb_map_0, 'disp0': disp_map_0, 'acc0': acc_map_0, 'z_samples': z_samples, 'z_vals': z_vals}


def render(rays_o, rays_d):
    viewdirs = rays_d
    viewdirs = viewdirs / torch.norm(viewdirs, dim=-1, keepdim=True)
    viewdirs = torch.reshape(viewdirs, [-1, 3])  # nerf-pytorch's .float() casts dropped (float64 program)
    rays_o = torch.reshape(rays_o, [-1, 3])
    rays_d = torch.reshape(rays_d, [-1, 3])
    near, far = NEAR * torch.ones_like(rays_d[..., :1]), FAR * torch.ones_like(rays_d[..., :1])
    rays = torch.cat([rays_o, rays_d, near, far], -1)
    rays = torch.cat([rays, viewdirs], -1)
    return render_rays(rays)


img2mse = lambda x, y: torch.mean((x - y) ** 2)
mse2psnr = lambda x: -10. * torch.log(x) / torch.log(torch.Tensor([10.]))
# nerf-pytorch's rays for a small camera: pose_spherical (load_blender.py; its .float() casts dropped), get_rays
# (meshgrid with ij indexing, transposed; the directions rotated by c2w) and ndc_rays (run_nerf_helpers.py)
trans_t = lambda t: torch.Tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, t], [0, 0, 0, 1]])
rot_phi = lambda phi: torch.Tensor([[1, 0, 0, 0], [0, math.cos(phi), -math.sin(phi), 0],
                                    [0, math.sin(phi), math.cos(phi), 0], [0, 0, 0, 1]])
rot_theta = lambda th: torch.Tensor([[math.cos(th), 0, -math.sin(th), 0], [0, 1, 0, 0],
                                     [math.sin(th), 0, math.cos(th), 0], [0, 0, 0, 1]])


def pose_spherical(theta, phi, radius):
    c2w = trans_t(radius)
    c2w = rot_phi(phi / 180. * math.pi) @ c2w
    c2w = rot_theta(theta / 180. * math.pi) @ c2w
    c2w = torch.Tensor([[-1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]) @ c2w
    return c2w


def get_rays(H, W, K, c2w):
    i, j = torch.meshgrid(torch.linspace(0, W - 1, W), torch.linspace(0, H - 1, H), indexing='ij')
    i = i.t()
    j = j.t()
    dirs = torch.stack([(i - K[0][2]) / K[0][0], -(j - K[1][2]) / K[1][1], -torch.ones_like(i)], -1)
    rays_d = torch.sum(dirs[..., None, :] * c2w[:3, :3], -1)
    rays_o = c2w[:3, -1].expand(rays_d.shape)
    return rays_o, rays_d


def ndc_rays(H, W, focal, near, rays_o, rays_d):
    t = -(near + rays_o[..., 2]) / rays_d[..., 2]
    rays_o = rays_o + t[..., None] * rays_d
    o0 = -1. / (W / (2. * focal)) * rays_o[..., 0] / rays_o[..., 2]
    o1 = -1. / (H / (2. * focal)) * rays_o[..., 1] / rays_o[..., 2]
    o2 = 1. + 2. * near / rays_o[..., 2]
    d0 = -1. / (W / (2. * focal)) * (rays_d[..., 0] / rays_d[..., 2] - rays_o[..., 0] / rays_o[..., 2])
    d1 = -1. / (H / (2. * focal)) * (rays_d[..., 1] / rays_d[..., 2] - rays_o[..., 1] / rays_o[..., 2])
    d2 = -2. * near / rays_o[..., 2]
    return torch.stack([o0, o1, o2], -1), torch.stack([d0, d1, d2], -1)


c2w = pose_spherical(-30.0, -30.0, 4.0)
H_, W_, focal_ = 4, 5, 6.0
K_ = [[focal_, 0, 0.5 * W_], [0, focal_, 0.5 * H_], [0, 0, 1]]
g_rays_o, g_rays_d = get_rays(H_, W_, K_, c2w)
out["nerf.c2w"], out["nerf.get_rays.o"], out["nerf.get_rays.d"] = c2w, g_rays_o, g_rays_d
n_o, n_d = ndc_rays(H_, W_, focal_, 1.0, g_rays_o, g_rays_d)
out["nerf.ndc.o"], out["nerf.ndc.d"] = n_o, n_d

N_RAYS, NERF_STEPS, LRATE, LRATE_DECAY = 5, 3, 5e-3, 0.002  # lrate_decay in thousands of steps: visible in 3
rays_o = torch.randn(NERF_STEPS, N_RAYS, 3) * 0.1
rays_d = F.normalize(torch.randn(NERF_STEPS, N_RAYS, 3), dim=-1) + torch.randn(NERF_STEPS, N_RAYS, 3) * 0.1
target_s = torch.rand(NERF_STEPS, N_RAYS, 3)
out["nerf.rays_o"], out["nerf.rays_d"], out["nerf.target"] = rays_o, rays_d, target_s
grad_vars = list(model.parameters()) + list(model_fine.parameters())
optimizer = torch.optim.Adam(params=grad_vars, lr=LRATE, betas=(0.9, 0.999))
losses, psnrs, lrs = [], [], []
for global_step in range(NERF_STEPS):
    extras = render(rays_o[global_step], rays_d[global_step])
    rgb = extras['rgb_map']
    optimizer.zero_grad()
    img_loss = img2mse(rgb, target_s[global_step])
    loss = img_loss
    psnr = mse2psnr(img_loss)
    img_loss0 = img2mse(extras['rgb0'], target_s[global_step])
    loss = loss + img_loss0
    loss.backward()
    if global_step == 0:
        for k in ('rgb_map', 'disp_map', 'acc_map', 'depth_map', 'raw', 'rgb0', 'disp0', 'acc0', 'z_samples',
                  'z_vals'):
            out["nerf.first." + k] = extras[k].detach().clone()
        save_grads("nerf.coarse.grad0.", model)
        save_grads("nerf.fine.grad0.", model_fine)
    optimizer.step()
    decay_rate = 0.1
    decay_steps = LRATE_DECAY * 1000
    new_lrate = LRATE * (decay_rate ** ((global_step + 1) / decay_steps))
    for param_group in optimizer.param_groups:
        param_group['lr'] = new_lrate
    losses.append(loss.item())
    psnrs.append(psnr.item())
    lrs.append(new_lrate)
out["nerf.loss"], out["nerf.psnr"], out["nerf.lr"] = torch.tensor(losses), torch.tensor(psnrs), torch.tensor(lrs)
save_params("nerf.coarse.final.", model)
save_params("nerf.fine.final.", model_fine)

# nerf-pytorch's own type: the first step again in float32 (the default type float32 while it runs, as in
# nerf-pytorch, so torch.Tensor([1e10]), linspace and ones are float32), from the same weights and rays
torch.set_default_dtype(torch.float32)
embed_fn, input_ch = get_embedder(3)
embeddirs_fn, input_ch_views = get_embedder(2)
model = NeRF(D=4, W=16, input_ch=input_ch, input_ch_views=input_ch_views, output_ch=5, skips=[2], use_viewdirs=True)
model_fine = NeRF(D=4, W=16, input_ch=input_ch, input_ch_views=input_ch_views, output_ch=5, skips=[2],
                  use_viewdirs=True)
model.load_state_dict({k[len("nerf.coarse.init."):]: v for k, v in out.items() if k.startswith("nerf.coarse.init.")})
model_fine.load_state_dict({k[len("nerf.fine.init."):]: v for k, v in out.items() if k.startswith("nerf.fine.init.")})
extras = render(rays_o[0].float(), rays_d[0].float())
loss = img2mse(extras['rgb_map'], target_s[0].float()) + img2mse(extras['rgb0'], target_s[0].float())
loss.backward()
out["nerf.f32.loss"] = loss.detach().clone()
out["nerf.f32.z_samples"] = extras['z_samples'].clone()
save_grads("nerf.f32.coarse.grad.", model)
save_grads("nerf.f32.fine.grad.", model_fine)
torch.set_default_dtype(torch.float64)


# 6. the neural style transfer tutorial -------------------------------------------------------------------------------
class ContentLoss(nn.Module):
    def __init__(self, target, ):
        super(ContentLoss, self).__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super(StyleLoss, self).__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super(Normalization, self).__init__()
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        return (img - self.mean) / self.std


cnn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(4, 4, 3, padding=1),
                    nn.ReLU(inplace=True), nn.MaxPool2d(2, 2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True),
                    nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(inplace=True)).eval()
save_state("style.cnn.", cnn)
cnn_normalization_mean = [0.485, 0.456, 0.406]
cnn_normalization_std = [0.229, 0.224, 0.225]
content_layers_default = ['conv_3']
style_layers_default = ['conv_1', 'conv_2', 'conv_3']


def get_style_model_and_losses(cnn, normalization_mean, normalization_std, style_img, content_img,
                               content_layers=content_layers_default, style_layers=style_layers_default):
    normalization = Normalization(normalization_mean, normalization_std)
    content_losses = []
    style_losses = []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = 'conv_{}'.format(i)
        elif isinstance(layer, nn.ReLU):
            name = 'relu_{}'.format(i)
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = 'pool_{}'.format(i)
        elif isinstance(layer, nn.BatchNorm2d):
            name = 'bn_{}'.format(i)
        else:
            raise RuntimeError('Unrecognized layer: {}'.format(layer.__class__.__name__))
        model.add_module(name, layer)
        if name in content_layers:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), content_loss)
            content_losses.append(content_loss)
        if name in style_layers:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), style_loss)
            style_losses.append(style_loss)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break
    model = model[:(i + 1)]
    return model, style_losses, content_losses


def run_style_transfer(cnn, normalization_mean, normalization_std, content_img, style_img, input_img, num_steps=300,
                       style_weight=1000000, content_weight=1):
    model, style_losses, content_losses = get_style_model_and_losses(cnn, normalization_mean, normalization_std,
                                                                     style_img, content_img)
    out["style.names"] = torch.tensor([len(n) for n, _ in model.named_children()])
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = torch.optim.LBFGS([input_img])
    run = [0]
    scores = []
    while run[0] <= num_steps:
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = 0
            content_score = 0
            for sl in style_losses:
                style_score += sl.loss
            for cl in content_losses:
                content_score += cl.loss
            style_score *= style_weight
            content_score *= content_weight
            loss = style_score + content_score
            loss.backward()
            if run[0] == 0:
                out["style.grad0"] = input_img.grad.clone()
            run[0] += 1
            scores.append([style_score.item(), content_score.item()])
            return style_score + content_score
        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    out["style.scores"] = torch.tensor(scores)
    return input_img


content_img = torch.rand(1, 3, 8, 8)
style_img = torch.rand(1, 3, 8, 8)
input_img = content_img.clone()
out["style.content"], out["style.style"] = content_img, style_img
output = run_style_transfer(cnn, cnn_normalization_mean, cnn_normalization_std, content_img, style_img, input_img,
                            num_steps=8)
out["style.output"] = output.detach().clone()


# 7. SimCLR's NT_Xent and open_clip's ClipLoss ------------------------------------------------------------------------
class NT_Xent(nn.Module):
    def __init__(self, batch_size, temperature, world_size):
        super(NT_Xent, self).__init__()
        self.batch_size = batch_size
        self.temperature = temperature
        self.world_size = world_size
        self.mask = self.mask_correlated_samples(batch_size, world_size)
        self.criterion = nn.CrossEntropyLoss(reduction="sum")
        self.similarity_f = nn.CosineSimilarity(dim=2)

    def mask_correlated_samples(self, batch_size, world_size):
        N = 2 * batch_size * world_size
        mask = torch.ones((N, N), dtype=bool)
        mask = mask.fill_diagonal_(0)
        for i in range(batch_size * world_size):
            mask[i, batch_size * world_size + i] = 0
            mask[batch_size * world_size + i, i] = 0
        return mask

    def forward(self, z_i, z_j):
        N = 2 * self.batch_size * self.world_size
        z = torch.cat((z_i, z_j), dim=0)
        sim = self.similarity_f(z.unsqueeze(1), z.unsqueeze(0)) / self.temperature
        sim_i_j = torch.diag(sim, self.batch_size * self.world_size)
        sim_j_i = torch.diag(sim, -self.batch_size * self.world_size)
        positive_samples = torch.cat((sim_i_j, sim_j_i), dim=0).reshape(N, 1)
        negative_samples = sim[self.mask].reshape(N, -1)
        labels = torch.zeros(N).to(positive_samples.device).long()
        logits = torch.cat((positive_samples, negative_samples), dim=1)
        loss = self.criterion(logits, labels)
        loss /= N
        return loss


class SimCLR(nn.Module):
    def __init__(self, n_features, projection_dim):
        super(SimCLR, self).__init__()
        self.encoder = nn.Sequential(nn.Linear(10, n_features), nn.ReLU())
        self.n_features = n_features
        self.projector = nn.Sequential(nn.Linear(self.n_features, self.n_features, bias=False), nn.ReLU(),
                                       nn.Linear(self.n_features, projection_dim, bias=False))

    def forward(self, x_i, x_j):
        h_i = self.encoder(x_i)
        h_j = self.encoder(x_j)
        z_i = self.projector(h_i)
        z_j = self.projector(h_j)
        return h_i, h_j, z_i, z_j


clr_xi = torch.randn(3, 5, 10)
clr_xj = clr_xi + 0.3 * torch.randn(3, 5, 10)
out["clr.xi"], out["clr.xj"] = clr_xi, clr_xj
out["clr.mask"] = NT_Xent(5, 0.5, 1).mask
simclr = SimCLR(12, 6)
save_state("clr.init.", simclr)
criterion = NT_Xent(5, 0.5, 1)
opt = torch.optim.Adam(simclr.parameters(), lr=3e-3)
losses = []
for step in range(3):
    opt.zero_grad()
    h_i, h_j, z_i, z_j = simclr(clr_xi[step], clr_xj[step])
    loss = criterion(z_i, z_j)
    loss.backward()
    if step == 0:
        save_grads("clr.grad0.", simclr)
    opt.step()
    losses.append(loss.item())
out["clr.loss"] = torch.tensor(losses)
save_params("clr.final.", simclr)


class ClipLoss(nn.Module):  # open_clip/loss.py, world_size 1
    def __init__(self):
        super().__init__()
        self.prev_num_logits = 0
        self.labels = {}

    def get_ground_truth(self, device, num_logits):
        if self.prev_num_logits != num_logits or device not in self.labels:
            labels = torch.arange(num_logits, device=device, dtype=torch.long)
            self.labels[device] = labels
            self.prev_num_logits = num_logits
        else:
            labels = self.labels[device]
        return labels

    def get_logits(self, image_features, text_features, logit_scale):
        logits_per_image = logit_scale * image_features @ text_features.T
        logits_per_text = logit_scale * text_features @ image_features.T
        return logits_per_image, logits_per_text

    def forward(self, image_features, text_features, logit_scale, output_dict=False):
        device = image_features.device
        logits_per_image, logits_per_text = self.get_logits(image_features, text_features, logit_scale)
        labels = self.get_ground_truth(device, logits_per_image.shape[0])
        total_loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2
        return {"contrastive_loss": total_loss} if output_dict else total_loss


class TinyClip(nn.Module):
    def __init__(self):
        super().__init__()
        self.visual = nn.Sequential(nn.Linear(12, 16), nn.GELU(), nn.Linear(16, 8))
        self.token_embedding = nn.Embedding(20, 8)
        self.text_projection = nn.Parameter(torch.randn(8, 8) * 8 ** -0.5)
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def encode_image(self, image, normalize=False):
        features = self.visual(image)
        return F.normalize(features, dim=-1) if normalize else features

    def encode_text(self, text, normalize=False):
        x = self.token_embedding(text)
        x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection
        return F.normalize(x, dim=-1) if normalize else x

    def forward(self, image, text):
        image_features = self.encode_image(image, normalize=True)
        text_features = self.encode_text(text, normalize=True)
        return image_features, text_features, self.logit_scale.exp()


clip_img = torch.randn(3, 6, 12)
clip_txt = torch.randint(0, 20, (3, 6, 5))
out["clip.img"], out["clip.txt"] = clip_img, clip_txt
clip = TinyClip()
save_state("clip.init.", clip)
clip_loss = ClipLoss()
opt = torch.optim.AdamW(clip.parameters(), lr=1.0, weight_decay=0.2)  # lr large enough to reach the clamp
losses, scales = [], []
for step in range(3):
    image_features, text_features, logit_scale = clip(clip_img[step], clip_txt[step])
    total_loss = clip_loss(image_features, text_features, logit_scale)
    opt.zero_grad()
    total_loss.backward()
    if step == 0:
        save_grads("clip.grad0.", clip)
    opt.step()
    with torch.no_grad():
        clip.logit_scale.clamp_(0, math.log(100))
    losses.append(total_loss.item())
    scales.append(clip.logit_scale.item())
out["clip.loss"], out["clip.scale"] = torch.tensor(losses), torch.tensor(scales)
save_params("clip.final.", clip)


class SigLipLoss(nn.Module):  # open_clip/loss.py, world_size 1
    def get_ground_truth(self, device, dtype, num_logits, negative_only=False):
        labels = -torch.ones((num_logits, num_logits), device=device, dtype=dtype)
        if not negative_only:
            labels = 2 * torch.eye(num_logits, device=device, dtype=dtype) + labels
        return labels

    def get_logits(self, image_features, text_features, logit_scale, logit_bias=None):
        logits = logit_scale * image_features @ text_features.T
        if logit_bias is not None:
            logits += logit_bias
        return logits

    def forward(self, image_features, text_features, logit_scale, logit_bias=None, negative_only=False):
        logits = self.get_logits(image_features, text_features, logit_scale, logit_bias)
        labels = self.get_ground_truth(image_features.device, image_features.dtype, image_features.shape[0],
                                       negative_only=negative_only)
        return -F.logsigmoid(labels * logits).sum() / image_features.shape[0]


class TinySigLip(TinyClip):  # open_clip's init for SigLIP: init_logit_scale log(10), init_logit_bias -10
    def __init__(self):
        super().__init__()
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(10))
        self.logit_bias = nn.Parameter(torch.ones([]) * -10)

    def forward(self, image, text):
        image_features = self.encode_image(image, normalize=True)
        text_features = self.encode_text(text, normalize=True)
        return image_features, text_features, self.logit_scale.exp(), self.logit_bias


sig = TinySigLip()
save_state("siglip.init.", sig)
sig_loss = SigLipLoss()
opt = torch.optim.AdamW(sig.parameters(), lr=0.05, weight_decay=0.2)
losses = []
for step in range(3):
    image_features, text_features, logit_scale, logit_bias = sig(clip_img[step], clip_txt[step])
    total_loss = sig_loss(image_features, text_features, logit_scale, logit_bias)
    opt.zero_grad()
    total_loss.backward()
    if step == 0:
        save_grads("siglip.grad0.", sig)
    opt.step()
    losses.append(total_loss.item())
out["siglip.loss"] = torch.tensor(losses)
save_params("siglip.final.", sig)

with open("texts16.txt", "w") as f:
    for k in sorted(texts):
        f.write(k + "\t" + texts[k] + "\n")
torch.save(out, "programs16.pt")
print(len(out), "entries")
