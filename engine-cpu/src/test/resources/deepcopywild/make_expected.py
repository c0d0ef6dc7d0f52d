"""Expected values for DeepCopyWildTest (session 44, outsider round 19b): programs that rely on copy.deepcopy, as their
reference code writes them, run in float64 (the default type) from PyTorch's initial weights and fixed data, both
float32-representable and saved as float32 (the test widens them to the very same float64 numbers); losses, outputs
and parameters after the last step are float64.

  dqn.*    the PyTorch DQN tutorial's hard sync: target_net = copy.deepcopy(policy_net) (the tutorial builds a second
           DQN and loads the state dict: both are held here), Q(s).gather(1, a), next-state values by
           target_net(s').max(1)[0] under no_grad, masked by done, smooth_l1_loss, Adam (amsgrad as the tutorial),
           gradients clipped by clip_grad_value_(100), target_net.load_state_dict(policy_net.state_dict()) after step
           1 (TARGET_UPDATE); 4 steps.
  ddpg.*   sfujim/TD3's DDPG.py: actor_target = copy.deepcopy(actor), critic_target = copy.deepcopy(critic), the
           critic's target Q = reward + not_done * discount * critic_target(s', actor_target(s')).detach(), mse, the
           actor's loss -critic(s, actor(s)).mean(), Adam for both, and the Polyak update
           target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data) for both pairs; plus SAC/Spinning
           Up's form p_targ.data.mul_(polyak); p_targ.data.add_((1 - polyak) * p.data) for a third copy; 3 steps.
  dino.*   facebookresearch/dino's main_dino.py reduced to an MLP: the teacher a copy.deepcopy of the student (as
           lightly, iBOT and most re-implementations write it; main_dino.py itself builds a second network and loads
           the student's state dict, which gives the same numbers), requires_grad False, DINOHead (mlp, GELU,
           bottleneck, F.normalize, a plain last Linear: norm_last_layer's legacy weight_norm is left out, because a
           legacy weight-normed module cannot be deep-copied, see mod.weight_norm_refused), DINOLoss (student_temp 0.1,
           teacher_temp 0.04, center momentum 0.9, 2 global + 2 local crops, the iq == v skip), the teacher's EMA by
           param_k.data.mul_(m).add_((1 - m) * param_q.detach().data), AdamW; 3 steps.
  dinown.* main_dino.py as written: the last layer under legacy weight_norm with weight_g 1 and frozen, so that
           copy.deepcopy(student) is refused and the teacher is a second network loading the student's state dict;
           get_params_groups, cancel_gradients_last_layer in the first step.
  mt.*     CuriousAI/mean-teacher's pytorch main.py: ema_model with parameters detached (param.detach_()), a model with
           BatchNorm1d, the class loss on labelled rows (ignore_index -1), softmax_mse_loss / num_classes, the EMA
           alpha = min(1 - 1 / (global_step + 1), alpha) over parameters only, the EMA model's own forward in train
           mode keeping its own running statistics; SGD with momentum and nesterov; 3 steps. timm's ModelEmaV2 on the
           same model: ema = deepcopy(model).eval(), ema_v.copy_(ema_v * decay + (1 - decay) * model_v) over every
           state_dict value (num_batches_tracked too: the float result truncated by copy_ into int64).
  reptile.* Reptile's sine-wave demo (openai's reptile-sinewaves-demo.py): weights_before = copy.deepcopy(
           model.state_dict()), inner steps by param.data -= lr * param.grad.data, the outer interpolation loaded.
  timm3.*  timm's ModelEmaV3: lerp_ of the floating state dict values, copy_ of num_batches_tracked.
  ddim.*   ermongroup/ddim's EMAHelper (shadow tensors updated through .data =, ema_copy by copy.deepcopy and
           param.data.copy_ of the shadow; a frozen parameter left out of the shadow).
  best.*   best-model checkpointing: best_state = copy.deepcopy(model.state_dict()) whenever the validation loss
           improves, model.load_state_dict(best_state) at the end; Adam with a large learning rate so the last epoch
           is not the best.
  soup.*   model soups (mlfoundations/model-soups' uniform soup): three copy.deepcopy(base) fine-tuned on their own data
           with their own learning rates, the state dicts averaged, loaded into the base, its output.
  la.*     Lookahead (k 3, alpha 0.5) with slow weights copy.deepcopy(group['params']) of SGD's param groups, the
           slow update q.data.add_(p.data - q.data, alpha=alpha); p.data.copy_(q.data); 7 steps.
  pbt.*    population based training's exploit (the worst member loads copy.deepcopy of the best's model and
           optimizer state dicts) and explore (its learning rate times 1.2), Adam, 2 + 2 steps.
  lth.*    the lottery ticket's rewinding: a deep-copied initial state dict, global magnitude pruning, the survivors
           rewound through weight_orig and trained again through the masks.
  mod.*    copies of modules with state: an LSTM and a GRU copied and the copy trained one SGD step (the original's
           output unchanged), MultiheadAttention, GPT's tied wte/lm_head (the tie kept in the copy, one step), a model
           moved to bfloat16, a lazy module copied before and after its first forward, a forward hook and pre-hook,
           a parametrized module (copied with its parametrization: this PyTorch 1.13 copies it through
           __reduce_ex__, 2.x's parametrize.py defines __deepcopy__ on the parametrized class for the same result; the
           copy's original changed moves the copy's weight only), parametrizations.spectral_norm (the copy's power
           iteration runs on its own _u and _v), legacy weight_norm (refused: its weight is a
           non-leaf), a pruned module copied under no_grad; legacy weight_norm applied under no_grad or after a
           no_grad forward; a tied model's
           deep-copied state dict (two entries over one new storage); a non-persistent buffer; a full backward hook;
           a hook that is a bound method of the model (rebound to the copy by copy._deepcopy_method, while a lambda
           closing over the module is shared by Python and acts on the original: mod.hook.closure_copy_y); an Adam
           state dict snapshot reloaded.
  quant.*  the static quantization tutorial's M (QuantStub, Conv2d(1, 1, 1), ReLU, DeQuantStub) with PyTorch's
           default inplace=False: fuse_modules, prepare, calibrate, convert each return a copy, the float, fused and
           prepared models still usable and unchanged (the prepared model keeps observing); quantize_dynamic(model)
           likewise; the QAT tutorial's prepare_qat (a copy that trains, the float model unchanged) and convert.
           float32; the quantized outputs are this PyTorch's own (onednn, no FBGEMM in this build).
  undo.txt   the parameter and buffer names after undoing a pruning, a weight norm and a parametrization on a copy
             (key, a tab, the names joined by commas).
  texts.txt  PyTorch's messages for the recipes' misuses (key, a tab, the message, its backslashes, newlines and
             tabs escaped as Python string literals write them).
PyTorch 1.13 and 2.x agree on every op used here but p.grad = g's refusals: 2.1 (pull request 100683) replaced 1.13's
"assigned grad has data of a different size/type" and 2.10 (grad_dtype, pull request 162815) reworded the dtype check;
set_grad checks as THPVariable_set_grad does as of 2.10 (dtype, then size: the device is the CPU) and raises its words.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  deepcopywild.pt (a dict of tensors), undo.txt,
texts.txt.
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)
torch.manual_seed(19)
out = {}


def f32(t):
    return t.float().double()


def data(prefix, name, t):
    t = f32(t)
    out[prefix + name] = t.float()
    return t


def round_init(module):
    with torch.no_grad():
        for v in module.state_dict().values():
            if v.is_floating_point():
                v.copy_(v.float().double())


def save_init(prefix, module):
    round_init(module)
    for k, v in module.state_dict().items():
        out[prefix + k] = v.float().clone() if v.is_floating_point() else v.clone()


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.detach().clone()


def save_params(prefix, module):
    for k, p in module.named_parameters():
        out[prefix + k] = p.detach().clone()


# 1a. DQN (pytorch tutorial) -------------------------------------------------------------------------------------------
class DQN(nn.Module):
    def __init__(self, n_observations, n_actions):
        super().__init__()
        self.layer1 = nn.Linear(n_observations, 16)
        self.layer2 = nn.Linear(16, 16)
        self.layer3 = nn.Linear(16, n_actions)

    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


policy_net = DQN(4, 2)
save_init("dqn.init.", policy_net)
target_net = copy.deepcopy(policy_net)
loaded_net = DQN(4, 2)
loaded_net.load_state_dict(policy_net.state_dict())
optimizer = torch.optim.AdamW(policy_net.parameters(), lr=1e-2, amsgrad=True)
B = 6
s = data("dqn.", "s", torch.randn(4, B, 4))
a = torch.randint(0, 2, (4, B))
out["dqn.a"] = a
r = data("dqn.", "r", torch.randn(4, B))
s2 = data("dqn.", "s2", torch.randn(4, B, 4))
done = torch.rand(4, B) < 0.3
out["dqn.done"] = done
losses = []
for step in range(4):
    non_final_mask = ~done[step]
    non_final_next_states = s2[step][non_final_mask]
    state_action_values = policy_net(s[step]).gather(1, a[step].unsqueeze(1))
    next_state_values = torch.zeros(B)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1)[0]
        assert torch.equal(target_net(s2[step]), loaded_net(s2[step]))
    expected_state_action_values = (next_state_values * 0.9) + r[step]
    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()
    losses.append(loss.item())
    if step == 1:
        target_net.load_state_dict(policy_net.state_dict())
        loaded_net.load_state_dict(policy_net.state_dict())
out["dqn.loss"] = torch.tensor(losses)
save_params("dqn.final.policy.", policy_net)
save_params("dqn.final.target.", target_net)


# 1b. DDPG / SAC soft updates ------------------------------------------------------------------------------------------
class Actor(nn.Module):
    def __init__(self, state_dim, action_dim, max_action):
        super().__init__()
        self.l1 = nn.Linear(state_dim, 8)
        self.l2 = nn.Linear(8, 8)
        self.l3 = nn.Linear(8, action_dim)
        self.max_action = max_action

    def forward(self, state):
        a = F.relu(self.l1(state))
        a = F.relu(self.l2(a))
        return self.max_action * torch.tanh(self.l3(a))


class Critic(nn.Module):
    def __init__(self, state_dim, action_dim):
        super().__init__()
        self.l1 = nn.Linear(state_dim + action_dim, 8)
        self.l2 = nn.Linear(8, 8)
        self.l3 = nn.Linear(8, 1)

    def forward(self, state, action):
        q = F.relu(self.l1(torch.cat([state, action], 1)))
        q = F.relu(self.l2(q))
        return self.l3(q)


actor = Actor(3, 2, 2.0)
critic = Critic(3, 2)
save_init("ddpg.init.actor.", actor)
save_init("ddpg.init.critic.", critic)
actor_target = copy.deepcopy(actor)
critic_target = copy.deepcopy(critic)
sac_target = copy.deepcopy(critic)
for p in sac_target.parameters():
    p.requires_grad = False
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-3)
critic_optimizer = torch.optim.Adam(critic.parameters(), lr=3e-3)
state = data("ddpg.", "state", torch.randn(3, 5, 3))
action = data("ddpg.", "action", torch.rand(3, 5, 2) * 4 - 2)
next_state = data("ddpg.", "next_state", torch.randn(3, 5, 3))
reward = data("ddpg.", "reward", torch.randn(3, 5, 1))
not_done = (torch.rand(3, 5, 1) > 0.2).double()
out["ddpg.not_done"] = not_done.float()
tau, discount, polyak = 0.1, 0.99, 0.8
closses, alosses = [], []
for step in range(3):
    target_Q = critic_target(next_state[step], actor_target(next_state[step]))
    target_Q = reward[step] + (not_done[step] * discount * target_Q).detach()
    current_Q = critic(state[step], action[step])
    critic_loss = F.mse_loss(current_Q, target_Q)
    critic_optimizer.zero_grad()
    critic_loss.backward()
    critic_optimizer.step()
    actor_loss = -critic(state[step], actor(state[step])).mean()
    actor_optimizer.zero_grad()
    actor_loss.backward()
    actor_optimizer.step()
    for param, target_param in zip(critic.parameters(), critic_target.parameters()):
        target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
    for param, target_param in zip(actor.parameters(), actor_target.parameters()):
        target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
    with torch.no_grad():
        for p, p_targ in zip(critic.parameters(), sac_target.parameters()):
            p_targ.data.mul_(polyak)
            p_targ.data.add_((1 - polyak) * p.data)
    closses.append(critic_loss.item())
    alosses.append(actor_loss.item())
out["ddpg.critic_loss"] = torch.tensor(closses)
out["ddpg.actor_loss"] = torch.tensor(alosses)
save_params("ddpg.final.actor.", actor)
save_params("ddpg.final.critic.", critic)
save_params("ddpg.final.actor_target.", actor_target)
save_params("ddpg.final.critic_target.", critic_target)
save_params("ddpg.final.sac_target.", sac_target)


# 2. DINO ------------------------------------------------------------------------------------------------------------------
class DINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, hidden_dim=12, bottleneck_dim=4):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.GELU(), nn.Linear(hidden_dim, hidden_dim),
                                 nn.GELU(), nn.Linear(hidden_dim, bottleneck_dim))
        self.last_layer = nn.Linear(bottleneck_dim, out_dim, bias=False)

    def forward(self, x):
        x = self.mlp(x)
        x = nn.functional.normalize(x, dim=-1, p=2)
        return self.last_layer(x)


class MultiCropWrapper(nn.Module):
    def __init__(self, backbone, head):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        if not isinstance(x, list):
            x = [x]
        output = self.backbone(torch.cat(x))
        return self.head(output)


class DINOLoss(nn.Module):
    def __init__(self, out_dim, ncrops, teacher_temp, student_temp=0.1, center_momentum=0.9):
        super().__init__()
        self.student_temp = student_temp
        self.center_momentum = center_momentum
        self.ncrops = ncrops
        self.teacher_temp = teacher_temp
        self.register_buffer("center", torch.zeros(1, out_dim))

    def forward(self, student_output, teacher_output):
        student_out = student_output / self.student_temp
        student_out = student_out.chunk(self.ncrops)
        teacher_out = F.softmax((teacher_output - self.center) / self.teacher_temp, dim=-1)
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


student = MultiCropWrapper(nn.Sequential(nn.Linear(6, 10), nn.GELU()), DINOHead(10, 5))
save_init("dino.init.", student)
teacher = copy.deepcopy(student)
for p in teacher.parameters():
    p.requires_grad = False
dino_loss = DINOLoss(5, 4, 0.04)
opt = torch.optim.AdamW(student.parameters(), lr=5e-3, weight_decay=0.04)
crops = data("dino.", "crops", torch.randn(3, 4, 3, 6))
momentum_schedule = [0.9, 0.95, 0.98]
losses = []
for it in range(3):
    images = [crops[it, c] for c in range(4)]
    teacher_output = teacher(images[:2])
    student_output = student(images)
    if it == 0:
        out["dino.teacher_out0"] = teacher_output.detach().clone()
        out["dino.student_out0"] = student_output.detach().clone()
    loss = dino_loss(student_output, teacher_output)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        m = momentum_schedule[it]
        for param_q, param_k in zip(student.parameters(), teacher.parameters()):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
    losses.append(loss.item())
out["dino.loss"] = torch.tensor(losses)
out["dino.center"] = dino_loss.center.clone()
save_params("dino.final.student.", student)
save_params("dino.final.teacher.", teacher)


# main_dino.py as written: DINOHead's last layer nn.utils.weight_norm(nn.Linear(bottleneck, out_dim, bias=False)) with
# weight_g filled with 1 and frozen (norm_last_layer); copy.deepcopy of such a student is refused (its weight is a
# non-leaf), so the teacher is a second network loading the student's state dict; get_params_groups (no weight decay on
# biases and 1-D parameters), cancel_gradients_last_layer in the first epoch (freeze_last_layer 1; a step is an epoch)
class DINOHeadWN(DINOHead):
    def __init__(self, in_dim, out_dim, hidden_dim=12, bottleneck_dim=4):
        super().__init__(in_dim, out_dim, hidden_dim, bottleneck_dim)
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False


def get_params_groups(model):
    regularized = []
    not_regularized = []
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.endswith(".bias") or len(param.shape) == 1:
            not_regularized.append(param)
        else:
            regularized.append(param)
    return [{"params": regularized}, {"params": not_regularized, "weight_decay": 0.}]


student = MultiCropWrapper(nn.Sequential(nn.Linear(6, 10), nn.GELU()), DINOHeadWN(10, 5))
save_init("dinown.init.", student)
student(crops[0, 0])   # the rounded weight_v recomputed into weight (weight_norm's pre-hook does so at every forward)
try:
    copy.deepcopy(student)
    out["dinown.deepcopy_refused"] = torch.tensor(False)
except RuntimeError:
    out["dinown.deepcopy_refused"] = torch.tensor(True)
teacher = MultiCropWrapper(nn.Sequential(nn.Linear(6, 10), nn.GELU()), DINOHeadWN(10, 5))
teacher.load_state_dict(student.state_dict())
for p in teacher.parameters():
    p.requires_grad = False
dino_loss = DINOLoss(5, 4, 0.04)
opt = torch.optim.AdamW(get_params_groups(student), lr=5e-3, weight_decay=0.04)
losses = []
for it in range(3):
    images = [crops[it, c] for c in range(4)]
    teacher_output = teacher(images[:2])
    student_output = student(images)
    loss = dino_loss(student_output, teacher_output)
    opt.zero_grad()
    loss.backward()
    if it < 1:
        for n, p in student.named_parameters():
            if "last_layer" in n:
                p.grad = None
    opt.step()
    with torch.no_grad():
        m = momentum_schedule[it]
        for param_q, param_k in zip(student.parameters(), teacher.parameters()):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
    losses.append(loss.item())
out["dinown.loss"] = torch.tensor(losses)
out["dinown.center"] = dino_loss.center.clone()
save_params("dinown.final.student.", student)
save_params("dinown.final.teacher.", teacher)


# 3. Mean teacher and timm's ModelEmaV2 ------------------------------------------------------------------------------------
def mt_model():
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def softmax_mse_loss(input_logits, target_logits):
    assert input_logits.size() == target_logits.size()
    input_softmax = F.softmax(input_logits, dim=1)
    target_softmax = F.softmax(target_logits, dim=1)
    num_classes = input_logits.size()[1]
    return F.mse_loss(input_softmax, target_softmax, reduction="sum") / num_classes


def update_ema_variables(model, ema_model, alpha, global_step):
    alpha = min(1 - 1 / (global_step + 1), alpha)
    for ema_param, param in zip(ema_model.parameters(), model.parameters()):
        ema_param.data.mul_(alpha).add_(param.data, alpha=1 - alpha)


model = mt_model()
save_init("mt.init.", model)
ema_model = copy.deepcopy(model)
for param in ema_model.parameters():
    param.detach_()
optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
mx = data("mt.", "x", torch.randn(3, 6, 5))
ema_x = data("mt.", "ema_x", torch.randn(3, 6, 5))
target = torch.tensor([[0, 2, -1, 1, -1, -1], [1, -1, -1, 2, 0, -1], [-1, 0, 1, -1, 2, 2]])
out["mt.target"] = target
class_criterion = nn.CrossEntropyLoss(reduction="sum", ignore_index=-1)
losses = []
global_step = 0
for i in range(3):
    ema_model_out = ema_model(ema_x[i])
    model_out = model(mx[i])
    ema_logit = ema_model_out.detach().data
    minibatch_size = 6
    labeled_minibatch_size = target[i].ne(-1).sum()
    class_loss = class_criterion(model_out, target[i]) / minibatch_size
    consistency_loss = 10.0 * softmax_mse_loss(model_out, ema_logit) / minibatch_size
    loss = class_loss + consistency_loss
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    global_step += 1
    update_ema_variables(model, ema_model, 0.9, global_step)
    losses.append(loss.item())
out["mt.loss"] = torch.tensor(losses)
save_state("mt.final.model.", model)
save_state("mt.final.ema.", ema_model)


class ModelEmaV2(nn.Module):
    def __init__(self, model, decay=0.9999, device=None):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay
        self.device = device

    def _update(self, model, update_fn):
        with torch.no_grad():
            for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
                ema_v.copy_(update_fn(ema_v, model_v))

    def update(self, model):
        self._update(model, update_fn=lambda e, m: self.decay * e + (1. - self.decay) * m)


model = mt_model()
for k, v in model.state_dict().items():
    v.copy_(torch.tensor(0) if k.endswith("num_batches_tracked") else out["mt.init." + k].double())
model_ema = ModelEmaV2(model, decay=0.6)
optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)
losses = []
for i in range(3):
    outp = model(mx[i])
    loss = class_criterion(outp, target[i]) / 6
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model_ema.update(model)
    losses.append(loss.item())
out["timm.loss"] = torch.tensor(losses)
out["timm.ema_out"] = model_ema.module(ema_x[0]).detach().clone()
save_state("timm.final.ema.", model_ema.module)
save_state("timm.final.model.", model)


# Reptile (John Schulman's reptile-sinewaves-demo.py, scaled down): weights_before = deepcopy(model.state_dict()),
# inner SGD by param.data -= innerstepsize * param.grad.data, the outer step interpolating the state dicts
rmodel = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
save_init("reptile.init.", rmodel)
x_all = f32(torch.linspace(-5, 5, 12)[:, None])
out["reptile.x_all"] = x_all.float()
tasks_y = data("reptile.", "y", torch.sin(x_all[None] + torch.rand(3, 1, 1) * 2 * 3.14159) * (torch.rand(3, 1, 1) * 4.9 + 0.1))
perms = torch.stack([torch.randperm(12) for _ in range(3)])
out["reptile.perms"] = perms
innerstepsize, outerstepsize0, niterations, ntrain = 0.02, 0.1, 3, 4


def train_on_batch(x, y):
    rmodel.zero_grad()
    ypred = rmodel(x)
    loss = (ypred - y).pow(2).mean()
    loss.backward()
    for param in rmodel.parameters():
        param.data -= innerstepsize * param.grad.data
    return loss.item()


rlosses = []
for iteration in range(niterations):
    weights_before = copy.deepcopy(rmodel.state_dict())
    y_all = tasks_y[iteration]
    inds = perms[iteration]
    for start in range(0, len(x_all), ntrain):
        mbinds = inds[start:start + ntrain]
        rlosses.append(train_on_batch(x_all[mbinds], y_all[mbinds]))
    weights_after = rmodel.state_dict()
    outerstepsize = outerstepsize0 * (1 - iteration / niterations)
    rmodel.load_state_dict({name: weights_before[name] + (weights_after[name] - weights_before[name]) * outerstepsize
                            for name in weights_before})
out["reptile.loss"] = torch.tensor(rlosses)
save_params("reptile.final.", rmodel)


# timm's ModelEmaV3 (no warmup): lerp of the floating state dict values, copy_ of the others (torch._foreach_lerp_ in
# 2.x; this 1.13 has none, so the same lerp_ per tensor)
class ModelEmaV3(nn.Module):
    def __init__(self, model, decay=0.9999):
        super().__init__()
        self.module = copy.deepcopy(model)
        self.module.eval()
        self.decay = decay

    @torch.no_grad()
    def update(self, model):
        for ema_v, model_v in zip(self.module.state_dict().values(), model.state_dict().values()):
            if ema_v.is_floating_point():
                ema_v.lerp_(model_v, weight=1. - self.decay)
            else:
                ema_v.copy_(model_v)


model = mt_model()
for k, v in model.state_dict().items():
    v.copy_(torch.tensor(0) if k.endswith("num_batches_tracked") else out["mt.init." + k].double())
v3 = ModelEmaV3(model, decay=0.6)
optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9)
for i in range(3):
    loss = class_criterion(model(mx[i]), target[i]) / 6
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    v3.update(model)
save_state("timm3.final.ema.", v3.module)


# ermongroup/ddim's EMAHelper: shadow copies of the parameters updated through .data =, ema_copy = deepcopy(module)
# with the shadow written into the copy's parameters (the running statistics come with the copy)
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

    def ema(self, module):
        for name, param in module.named_parameters():
            if param.requires_grad:
                param.data.copy_(self.shadow[name].data)

    def ema_copy(self, module):
        module_copy = copy.deepcopy(module)
        self.ema(module_copy)
        return module_copy


model = mt_model()
for k, v in model.state_dict().items():
    v.copy_(torch.tensor(0) if k.endswith("num_batches_tracked") else out["mt.init." + k].double())
model[0].bias.requires_grad_(False)   # a frozen parameter: not in the shadow, the copy keeps the model's
ema_helper = EMAHelper(mu=0.7)
ema_helper.register(model)
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=0.05)
for i in range(3):
    loss = class_criterion(model(mx[i]), target[i]) / 6
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    ema_helper.update(model)
test_model = ema_helper.ema_copy(model)
test_model.eval()
out["ddim.ema_out"] = test_model(ema_x[0]).detach().clone()
save_state("ddim.final.ema.", test_model)
save_state("ddim.final.model.", model)


# 5. best-model checkpointing, model soups, Lookahead -------------------------------------------------------------------
def reg_model():
    return nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 1))


model = reg_model()
save_init("best.init.", model)
bx = data("best.", "x", torch.randn(8, 3))
by = data("best.", "y", torch.randn(8, 1))
vx = data("best.", "vx", torch.randn(5, 3))
vy = data("best.", "vy", torch.randn(5, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.3)
best_loss = float("inf")
best_state = None
best_epoch = -1
val_losses = []
for epoch in range(6):
    model.train()
    loss = F.mse_loss(model(bx), by)
    opt.zero_grad()
    loss.backward()
    opt.step()
    model.eval()
    with torch.no_grad():
        val = F.mse_loss(model(vx), vy).item()
    val_losses.append(val)
    if val < best_loss:
        best_loss = val
        best_state = copy.deepcopy(model.state_dict())
        best_epoch = epoch
out["best.val"] = torch.tensor(val_losses)
out["best.epoch"] = torch.tensor(best_epoch)
save_params("best.last.", model)
model.load_state_dict(best_state)
save_params("best.final.", model)
assert best_epoch != 5

base = reg_model()
save_init("soup.init.", base)
sx = data("soup.", "x", torch.randn(3, 8, 3))
sy = data("soup.", "y", torch.randn(3, 8, 1))
lrs = [0.05, 0.1, 0.2]
sds = []
for j in range(3):
    ft = copy.deepcopy(base)
    o = torch.optim.SGD(ft.parameters(), lr=lrs[j], momentum=0.9)
    for step in range(3):
        loss = F.mse_loss(ft(sx[j]), sy[j])
        o.zero_grad()
        loss.backward()
        o.step()
    sds.append(ft.state_dict())
uniform_soup = {k: sum(sd[k] for sd in sds) / len(sds) for k in sds[0]}
base.load_state_dict(uniform_soup)
save_params("soup.final.", base)
out["soup.out"] = base(vx).detach().clone()


class Lookahead(torch.optim.Optimizer):
    def __init__(self, base_optimizer, alpha=0.5, k=6):
        self.optimizer = base_optimizer
        self.param_groups = self.optimizer.param_groups
        self.alpha = alpha
        self.k = k
        self.state = {}
        for group in self.param_groups:
            group["step_counter"] = 0
        self.slow_weights = [copy.deepcopy(group["params"]) for group in self.param_groups]
        for w in self.slow_weights:
            for p in w:
                p.requires_grad = False

    def step(self, closure=None):
        loss = None
        if closure is not None:
            loss = closure()
        loss = self.optimizer.step()
        for group, slow_weights in zip(self.param_groups, self.slow_weights):
            group["step_counter"] += 1
            if group["step_counter"] % self.k != 0:
                continue
            for p, q in zip(group["params"], slow_weights):
                if p.grad is None:
                    continue
                q.data.add_(p.data - q.data, alpha=self.alpha)
                p.data.copy_(q.data)
        return loss


model = reg_model()
save_init("la.init.", model)
lx = data("la.", "x", torch.randn(7, 8, 3))
ly = data("la.", "y", torch.randn(7, 8, 1))
opt = Lookahead(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5), alpha=0.5, k=3)
losses = []
for step in range(7):
    loss = F.mse_loss(model(lx[step]), ly[step])
    opt.optimizer.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
out["la.loss"] = torch.tensor(losses)
save_params("la.final.", model)
for i, q in enumerate(opt.slow_weights[0]):
    out["la.slow.%d" % i] = q.detach().clone()


# population based training's exploit and explore (as voiler/PBT-style implementations write it): the worst member
# takes copy.deepcopy of the best member's model and optimizer state dicts, then perturbs its learning rate
members = []
for j in range(2):
    mm = reg_model()
    save_init("pbt.init%d." % j, mm)
    members.append((mm, torch.optim.Adam(mm.parameters(), lr=[0.05, 0.01][j])))
px_ = data("pbt.", "x", torch.randn(4, 8, 3))
py_ = data("pbt.", "y", torch.randn(4, 8, 1))
pbt_losses = []


def pbt_train(step):
    scores = []
    for mm, oo in members:
        loss = F.mse_loss(mm(px_[step]), py_[step])
        oo.zero_grad()
        loss.backward()
        oo.step()
        pbt_losses.append(loss.item())
        scores.append(loss.item())
    return scores


for step in range(2):
    scores = pbt_train(step)
best_i = min(range(2), key=lambda i: scores[i])
worst_i = 1 - best_i
out["pbt.best"] = torch.tensor(best_i)
members[worst_i][0].load_state_dict(copy.deepcopy(members[best_i][0].state_dict()))
members[worst_i][1].load_state_dict(copy.deepcopy(members[best_i][1].state_dict()))
for g in members[worst_i][1].param_groups:
    g["lr"] *= 1.2
for step in range(2, 4):
    pbt_train(step)
out["pbt.loss"] = torch.tensor(pbt_losses)
for j in range(2):
    save_params("pbt.final%d." % j, members[j][0])


# the lottery ticket's rewinding: initial_state = copy.deepcopy(model.state_dict()) before training, global magnitude
# pruning after it (prune.global_unstructured, L1Unstructured, 50%), the surviving weights rewound to their initial
# values through weight_orig, then trained again through the masks; Adam (a new one after the rewind, as per round)
lt = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
save_init("lth.init.", lt)
initial_state = copy.deepcopy(lt.state_dict())
ltx = data("lth.", "x", torch.randn(6, 8, 4))
lty = data("lth.", "y", torch.randn(6, 8, 2))
lt_losses = []
opt = torch.optim.Adam(lt.parameters(), lr=0.05)
for step in range(3):
    loss = F.mse_loss(lt(ltx[step]), lty[step])
    opt.zero_grad()
    loss.backward()
    opt.step()
    lt_losses.append(loss.item())
prune.global_unstructured([(lt[0], "weight"), (lt[2], "weight")], pruning_method=prune.L1Unstructured, amount=0.5)
for name, module in lt.named_modules():
    if isinstance(module, nn.Linear):
        module.weight_orig.data.copy_(initial_state[name + ".weight"])
        module.bias.data.copy_(initial_state[name + ".bias"])
out["lth.mask0"] = lt[0].weight_mask.clone()
out["lth.mask2"] = lt[2].weight_mask.clone()
opt = torch.optim.Adam(lt.parameters(), lr=0.05)
for step in range(3, 6):
    loss = F.mse_loss(lt(ltx[step]), lty[step])
    opt.zero_grad()
    loss.backward()
    opt.step()
    lt_losses.append(loss.item())
out["lth.loss"] = torch.tensor(lt_losses)
save_params("lth.final.", lt)
out["lth.final_weight0"] = lt[0].weight.detach().clone()


# 6. modules with state ------------------------------------------------------------------------------------------------------
def train_copy_step(prefix, m, fwd):
    """The copy trained one SGD step: its output before and after, and the original's output after (unchanged)."""
    c = copy.deepcopy(m)
    y0 = fwd(m)
    yc = fwd(c)
    assert torch.equal(y0, yc)
    o = torch.optim.SGD(c.parameters(), lr=0.5)
    loss = (yc ** 2).sum()
    o.zero_grad()
    loss.backward()
    o.step()
    out[prefix + "y0"] = y0.detach().clone()
    out[prefix + "copy_after"] = fwd(c).detach().clone()
    out[prefix + "orig_after"] = fwd(m).detach().clone()
    return c


lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
save_init("mod.lstm.init.", lstm)
lx = data("mod.lstm.", "x", torch.randn(2, 5, 3))
train_copy_step("mod.lstm.", lstm, lambda m: m(lx)[0])
gru = nn.GRU(3, 4, bidirectional=True)
save_init("mod.gru.init.", gru)
gx = data("mod.gru.", "x", torch.randn(5, 2, 3))
train_copy_step("mod.gru.", gru, lambda m: m(gx)[0])
mha = nn.MultiheadAttention(4, 2, batch_first=True)
save_init("mod.mha.init.", mha)
mq = data("mod.mha.", "x", torch.randn(2, 3, 4))
train_copy_step("mod.mha.", mha, lambda m: m(mq, mq, mq)[0])


class TinyGPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(7, 4), ln_f=nn.LayerNorm(4)))
        self.lm_head = nn.Linear(4, 7, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx):
        return self.lm_head(self.transformer.ln_f(self.transformer.wte(idx)))


gpt = TinyGPT()
save_init("mod.gpt.init.", gpt)
idx = torch.tensor([[1, 3, 6], [0, 2, 2]])
out["mod.gpt.idx"] = idx
gc = train_copy_step("mod.gpt.", gpt, lambda m: m(idx))
out["mod.gpt.copy_tied"] = torch.tensor(gc.lm_head.weight is gc.transformer.wte.weight)
out["mod.gpt.copy_params"] = torch.tensor(len(list(gc.parameters())))
out["mod.gpt.copy_state_keys"] = torch.tensor(len(gc.state_dict()))

# a model moved to bfloat16: the copy keeps the dtype and the values
bm = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
save_init("mod.bf16.init.", bm)
bm.to(torch.bfloat16)
bc = copy.deepcopy(bm)
bxx = data("mod.bf16.", "x", torch.randn(2, 3))
out["mod.bf16.y"] = bc(bxx.bfloat16()).detach().clone()
out["mod.bf16.copy_dtype_is_bf16"] = torch.tensor(bc[0].weight.dtype == torch.bfloat16)
assert torch.equal(bc(bxx.bfloat16()), bm(bxx.bfloat16()))

# lazy modules: copied before the first forward the copy is still lazy; after, it has the shapes
lazy = nn.LazyLinear(3)
lc = copy.deepcopy(lazy)
out["mod.lazy.copy_still_lazy"] = torch.tensor(isinstance(lc.weight, nn.parameter.UninitializedParameter))
lz = data("mod.lazy.", "x", torch.randn(2, 5))
lazy(lz)
lazy2 = copy.deepcopy(lazy)
out["mod.lazy.copy_after_in_features"] = torch.tensor(lazy2.in_features)
out["mod.lazy.copy_after_is_linear"] = torch.tensor(type(lazy2) is nn.Linear)
lc(lz)
out["mod.lazy.before_copy_in_features"] = torch.tensor(lc.in_features)

# hooks: a hook that receives the module acts on the copy; a closure over the module (Python shares functions)
hm = nn.Linear(3, 2)
save_init("mod.hook.init.", hm)
hm.register_buffer("scale", torch.tensor([2.0, -1.0]))
hm.register_forward_hook(lambda mod, inp, o: o * mod.scale)
hm.register_forward_pre_hook(lambda mod, inp: (inp[0] + 1,))
hc = copy.deepcopy(hm)
hc.scale.fill_(3.0)
hx = data("mod.hook.", "x", torch.randn(2, 3))
out["mod.hook.copy_y"] = hc(hx).detach().clone()
out["mod.hook.orig_y"] = hm(hx).detach().clone()
cm = nn.Linear(3, 2)
cm.load_state_dict(hm.state_dict(), strict=False)
cm.register_buffer("scale", torch.tensor([2.0, -1.0]))
cm.register_forward_hook(lambda mod, inp, o: o * cm.scale)   # a closure over the original
cc = copy.deepcopy(cm)
cc.scale.fill_(3.0)
out["mod.hook.closure_copy_y"] = cc(hx).detach().clone()

# a parametrized module: copied with its parametrization (1.13 here and 2.x's __deepcopy__ alike)
import torch.nn.utils.parametrize as P


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


pm = nn.Linear(3, 3)
save_init("mod.param.init.", pm)
P.register_parametrization(pm, "weight", Symmetric())
pc = copy.deepcopy(pm)
out["mod.param.copy_is_parametrized"] = torch.tensor(P.is_parametrized(pc, "weight"))
px = data("mod.param.", "x", torch.randn(2, 3))
out["mod.param.y"] = pc(px).detach().clone()
with torch.no_grad():
    pc.parametrizations.weight.original.add_(1.0)   # the copy's original changed: its weight follows, not pm's
out["mod.param.copy_y_after_change"] = pc(px).detach().clone()
out["mod.param.orig_y_after_change"] = pm(px).detach().clone()

# parametrizations.spectral_norm: the copy has its own _u and _v, which its training-mode forwards iterate in place
from torch.nn.utils.parametrizations import spectral_norm as p_spectral_norm

spn = p_spectral_norm(nn.Linear(4, 3))
save_init("mod.spn.init.", spn)
spx = data("mod.spn.", "x", torch.randn(2, 4))
out["mod.spn.y0"] = spn(spx).detach().clone()
spc = copy.deepcopy(spn)
out["mod.spn.copy_y1"] = spc(spx).detach().clone()
out["mod.spn.copy_y2"] = spc(spx).detach().clone()
out["mod.spn.copy_u"] = spc.parametrizations.weight[0]._u.clone()
out["mod.spn.orig_u"] = spn.parametrizations.weight[0]._u.clone()
spc.eval()
out["mod.spn.copy_eval_y"] = spc(spx).detach().clone()


# undoing on a copy: a hook handle kept in a field is the copy's own (removing it leaves the original hooked, and the
# original's removal leaves the copy's); prune.remove, remove_weight_norm and remove_parametrizations on a copy leave the
# original pruned, weight-normed, parametrized; the order of the copy's parameters after each
class HandleHolder(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(2, 2)
        self.h = self.l.register_forward_hook(lambda mod, inp, o: o * 0)

    def forward(self, x):
        return self.l(x)


hh = HandleHolder()
hhc = copy.deepcopy(hh)
hhc.h.remove()
ones2 = torch.ones(1, 2)
out["undo.copy_handle_removed"] = torch.tensor(not torch.equal(hhc(ones2), torch.zeros(1, 2)))
out["undo.orig_still_hooked"] = torch.tensor(torch.equal(hh(ones2), torch.zeros(1, 2)))
hh2 = HandleHolder()
hh2c = copy.deepcopy(hh2)
hh2.h.remove()
out["undo.copy_still_hooked"] = torch.tensor(torch.equal(hh2c(ones2), torch.zeros(1, 2)))
with torch.no_grad():
    upr = prune.l1_unstructured(nn.Linear(4, 3), "weight", amount=0.5)
    uprc = copy.deepcopy(upr)
prune.remove(uprc, "weight")
texts_undo = {
    "prune_copy_params": [n for n, _ in uprc.named_parameters()],
    "prune_copy_buffers": [n for n, _ in uprc.named_buffers()],
    "prune_orig_params": [n for n, _ in upr.named_parameters()],
    "prune_orig_buffers": [n for n, _ in upr.named_buffers()],
}
with torch.no_grad():
    uwn = nn.utils.weight_norm(nn.Linear(3, 2))
uwc = copy.deepcopy(uwn)
nn.utils.remove_weight_norm(uwc)
texts_undo["wn_copy_params"] = [n for n, _ in uwc.named_parameters()]
texts_undo["wn_orig_params"] = [n for n, _ in uwn.named_parameters()]
upl = P.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
upc = copy.deepcopy(upl)
P.remove_parametrizations(upc, "weight")
out["undo.param_copy_parametrized"] = torch.tensor(P.is_parametrized(upc))
out["undo.param_orig_parametrized"] = torch.tensor(P.is_parametrized(upl))
texts_undo["param_copy_params"] = [n for n, _ in upc.named_parameters()]
with open("undo.txt", "w") as f:
    for k in sorted(texts_undo):
        f.write(k + "\t" + ",".join(texts_undo[k]) + "\n")


# legacy weight_norm: a non-leaf weight, refused
wn = nn.utils.weight_norm(nn.Linear(3, 2))
try:
    copy.deepcopy(wn)
    out["mod.weight_norm_refused"] = torch.tensor(False)
except RuntimeError:
    out["mod.weight_norm_refused"] = torch.tensor(True)

# a pruned module under no_grad: the recomputed weight is a leaf then; the copy prunes by its own mask
import torch.nn.utils.prune as prune

pr = nn.Linear(4, 3)
save_init("mod.prune.init.", pr)
with torch.no_grad():
    prune.l1_unstructured(pr, "weight", amount=0.5)
    prc = copy.deepcopy(pr)
prc.weight_orig.data.add_(1.0)
prx = data("mod.prune.", "x", torch.randn(2, 4))
out["mod.prune.mask"] = pr.weight_mask.clone()
out["mod.prune.copy_y"] = prc(prx).detach().clone()
out["mod.prune.orig_y"] = pr(prx).detach().clone()

# more legacy weight_norm: applied under no_grad it copies (the copy's hook recomputes from its own g and v), and
# after a no_grad forward (Ember has no legacy spectral_norm, only the parametrization, so that one is left out)
def copies(mod):
    try:
        copy.deepcopy(mod)
        return torch.tensor(True)
    except RuntimeError:
        return torch.tensor(False)


wx = data("mod.legacy.", "x", torch.randn(2, 3))
with torch.no_grad():
    wn = nn.utils.weight_norm(nn.Linear(3, 2))
save_init("mod.legacy.wn.init.", wn)
wc = copy.deepcopy(wn)
with torch.no_grad():
    wc.weight_g.mul_(2)
out["mod.legacy.wn_copy_y"] = wc(wx).detach().clone()
out["mod.legacy.wn_orig_y"] = wn(wx).detach().clone()
wn2 = nn.utils.weight_norm(nn.Linear(3, 2))
with torch.no_grad():
    wn2(wx)
out["mod.legacy.wn_after_no_grad_forward"] = copies(wn2)


# a deep-copied state dict of a tied model: the two entries share one new storage (Tensor.__deepcopy__'s memo is by
# storage), as two objects
class TiedSD(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(5, 3)
        self.head = nn.Linear(3, 5, bias=False)
        self.wte.weight = self.head.weight


tsd = copy.deepcopy(TiedSD().state_dict())
out["mod.tiedsd.keys"] = torch.tensor(len(tsd))
out["mod.tiedsd.same_object"] = torch.tensor(tsd["head.weight"] is tsd["wte.weight"])
tsd["head.weight"].add_(1)
out["mod.tiedsd.shared_storage"] = torch.tensor(torch.equal(tsd["head.weight"], tsd["wte.weight"]))

# a non-persistent buffer stays non-persistent; a full backward hook fires on the copy with the copy
npm = nn.Linear(2, 2)
npm.register_buffer("np", torch.ones(2), persistent=False)
npc = copy.deepcopy(npm)
out["mod.np.state_keys"] = torch.tensor(len(npc.state_dict()))
out["mod.np.buffers"] = torch.tensor(len(list(npc.buffers())))
seen = []
bm2 = nn.Linear(2, 2)
bm2.register_full_backward_hook(lambda mod, gi, go: seen.append(mod))
bc2 = copy.deepcopy(bm2)
bc2(torch.ones(1, 2, requires_grad=True)).sum().backward()
out["mod.bwdhook.saw_copy"] = torch.tensor(seen[0] is bc2)
out["mod.bwdhook.calls"] = torch.tensor(len(seen))


# a hook that is a bound method of the model: copy.deepcopy rebinds it to the copy (copy._deepcopy_method)
class BoundHook(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = nn.Linear(3, 2)
        self.register_buffer("scale", torch.tensor(2.0))
        self.l.register_forward_hook(self.hook)

    def hook(self, mod, inp, o):
        return o * self.scale

    def forward(self, x):
        return self.l(x)


bh = BoundHook()
save_init("mod.bound.init.", bh)
bhc = copy.deepcopy(bh)
bhc.scale.fill_(3.0)
out["mod.bound.copy_y"] = bhc(hx).detach().clone()
out["mod.bound.orig_y"] = bh(hx).detach().clone()

# a checkpoint's optimizer state: copy.deepcopy(optimizer.state_dict()) keeps the step it was taken at
qp = nn.Parameter(torch.ones(2))
qo = torch.optim.Adam([qp], lr=0.1)
qp.grad = torch.ones(2)
qo.step()
snap = copy.deepcopy(qo.state_dict())
qo.step()
out["mod.optsd.snap_step"] = snap["state"][0]["step"].clone()
out["mod.optsd.snap_exp_avg"] = snap["state"][0]["exp_avg"].clone()
out["mod.optsd.live_step"] = qo.state_dict()["state"][0]["step"].clone()
qo.load_state_dict(snap)
qo.step()
out["mod.optsd.after_reload_param"] = qp.detach().clone()

# 4. the static quantization tutorial's flow with PyTorch's defaults (inplace=False at every step) --------------------------
# float32, as quantization runs; this Debian PyTorch 1.13 has no FBGEMM, so its quantized model runs on onednn (as
# StaticQuantizationTest's "torch" outputs); get_default_qconfig('x86') is the 2.x tutorial's (1.13's wrote 'fbgemm':
# the same observers, HistogramObserver(reduce_range=True) and per-channel symmetric weights).
# The activation observer is PyTorch 2.x's HistogramObserver, which Ember implements: 1.13's forward builds its first
# histogram over the range truncated to integers, 2.x's over the exact range, so the qparams differ. H2x is 1.13's
# class with 2.x's forward and histogram combination, transcribed from torch/ao/quantization/observer.py of 2.x; it is
# a verbatim copy of resources/histogramobserver/make_expected.py's (see there). Two threads, as that generator (its
# torch.linspace depends on the thread count).
torch.set_default_dtype(torch.float32)
torch.set_num_threads(2)
torch.backends.quantized.engine = "onednn"
import warnings
import torch.ao.quantization as tq
from torch.ao.quantization.observer import HistogramObserver

warnings.simplefilter("ignore")


class H2x(HistogramObserver):
    """1.13's HistogramObserver with PyTorch 2.x's forward and histogram combination (transcribed)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.upsample_rate = 16  # 2.x: used to reduce quantization errors when upscaling histogram

    def _upscale_histogram(self, histogram, orig_min, orig_max, update_min, update_max):
        histogram = histogram.repeat_interleave(self.upsample_rate) / self.upsample_rate
        bin_size = (orig_max - orig_min) / (self.bins * self.upsample_rate)
        mid_points_histogram = (
            torch.linspace(orig_min, orig_max, self.bins * self.upsample_rate + 1, device=orig_min.device)[:-1]
            .to(histogram.device) + 0.5 * bin_size)
        boundaries_new_histogram = torch.linspace(update_min, update_max, self.bins + 1,
                                                  device=update_min.device).to(histogram.device)
        bucket_assignments = torch.bucketize(mid_points_histogram, boundaries_new_histogram, right=True) - 1
        bucket_assignments[bucket_assignments >= self.bins] = self.bins - 1
        bucket_assignments[bucket_assignments < 0] = 0
        return torch.bincount(bucket_assignments, weights=histogram, minlength=self.bins)

    def _combine_histograms(self, orig_hist, orig_min, orig_max, update_hist, update_min, update_max):
        if update_min == orig_min and update_max == orig_max:
            return orig_hist + update_hist
        if orig_min == orig_max:
            bin_value = torch.sum(orig_hist)
            transformed_orig_hist = torch.histc(orig_min, bins=self.bins, min=update_min, max=update_max) * bin_value
            return transformed_orig_hist + update_hist
        assert update_min <= orig_min
        assert update_max >= orig_max
        transformed_orig_hist = self._upscale_histogram(orig_hist, orig_min, orig_max, update_min, update_max)
        return update_hist + transformed_orig_hist

    def reset_histogram(self, x, min_val, max_val):
        self.min_val.resize_(min_val.shape)
        self.min_val.copy_(min_val)
        self.max_val.resize_(max_val.shape)
        self.max_val.copy_(max_val)
        assert min_val.numel() == 1 and max_val.numel() == 1, "histogram min/max values must be scalar."
        new_histogram = torch.histc(x, self.bins, min=min_val, max=max_val)
        self.histogram.detach_().resize_(new_histogram.shape)
        self.histogram.copy_(new_histogram)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        x_min, x_max = torch.aminmax(x)
        if x_min == -torch.inf or x_max == torch.inf:
            warnings.warn("torch.inf detected in input tensor, ignoring input")
            x = x[x.abs() != torch.inf]
            if x.numel() == 0:
                return x_orig
            x_min, x_max = torch.aminmax(x)
        current_min = self.min_val
        current_max = self.max_val
        is_uninitialized = self.min_val == float("inf") or self.max_val == float("-inf")
        if is_uninitialized:
            self.reset_histogram(x, x_min, x_max)
        else:
            update_min, update_max = x_min, x_max
            new_min = torch.min(current_min, update_min)
            new_max = torch.max(current_max, update_max)
            new_min, new_max = new_min.detach(), new_max.detach()
            update_histogram = torch.histc(x, self.bins, min=new_min, max=new_max).to(self.histogram.device)
            if new_min == current_min and new_max == current_max:
                combined_histogram = self.histogram + update_histogram
                self.histogram.detach_().resize_(combined_histogram.shape)
                self.histogram.copy_(combined_histogram)
            else:
                combined_histogram = self._combine_histograms(self.histogram, current_min, current_max,
                                                              update_histogram, new_min, new_max)
                self.histogram.detach_().resize_(combined_histogram.shape)
                self.histogram.copy_(combined_histogram)
                self.min_val.detach_().resize_(new_min.shape)
                self.min_val.copy_(new_min)
                self.max_val.detach_().resize_(new_max.shape)
                self.max_val.copy_(new_max)
        return x_orig

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"




class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = torch.nn.Conv2d(1, 1, 1)
        self.relu = torch.nn.ReLU()
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.conv(x)
        x = self.relu(x)
        x = self.dequant(x)
        return x


model_fp32 = M()
for k, v in model_fp32.state_dict().items():
    out["quant.init." + k] = v.clone()
model_fp32.eval()
# torch.ao.quantization.get_default_qconfig("x86") of 2.x (1.13's same observers, its HistogramObserver's forward 2.x's)
model_fp32.qconfig = tq.QConfig(activation=H2x.with_args(reduce_range=True),
                                weight=tq.default_per_channel_weight_observer)
model_fp32_fused = torch.ao.quantization.fuse_modules(model_fp32, [["conv", "relu"]])
model_fp32_prepared = torch.ao.quantization.prepare(model_fp32_fused)
input_fp32 = torch.randn(4, 1, 4, 4)
out["quant.x"] = input_fp32
model_fp32_prepared(input_fp32)
model_int8 = torch.ao.quantization.convert(model_fp32_prepared)
res = model_int8(input_fp32)
out["quant.res"] = res
out["quant.quant_scale"] = torch.tensor(float(model_int8.quant.scale), dtype=torch.float64)
out["quant.quant_zero_point"] = torch.tensor(int(model_int8.quant.zero_point))
out["quant.conv_scale"] = torch.tensor(float(model_int8.conv.scale), dtype=torch.float64)
out["quant.conv_zero_point"] = torch.tensor(int(model_int8.conv.zero_point))
out["quant.weight_int"] = model_int8.conv.weight().int_repr().clone()
out["quant.weight_scale"] = model_int8.conv.weight().q_per_channel_scales().clone()
out["quant.float_y"] = model_fp32(input_fp32).detach().clone()
out["quant.float_still_plain"] = torch.tensor(not hasattr(model_fp32.conv, "activation_post_process")
                                              and type(model_fp32.relu) is nn.ReLU)
out["quant.fused_is_conv_relu"] = torch.tensor(type(model_fp32_fused.conv).__name__ == "ConvReLU2d")
out["quant.prepared_y"] = model_fp32_prepared(input_fp32 * 2).detach().clone()
out["quant.prepared_still_float"] = torch.tensor(type(model_fp32_prepared.conv).__name__ == "ConvReLU2d")
obs = model_fp32_prepared.conv.activation_post_process
out["quant.prepared_obs_max_after"] = obs.max_val.clone()

# the QAT tutorial's flow with PyTorch's defaults: prepare_qat(model_fp32_fused.train()) returns a copy (1.13 and 2.x:
# inplace=False), which trains while the float model stays as it was; convert(prepared.eval()) returns another copy
qat_fp32 = M()
with torch.no_grad():
    qat_fp32.conv.weight.abs_()   # a positive gain, so the ReLU passes most of the regression target
for k, v in qat_fp32.state_dict().items():
    out["qat.init." + k] = v.clone()
qat_fp32.eval()
qat_fp32.qconfig = tq.get_default_qat_qconfig("x86")
qat_fused = tq.fuse_modules_qat(qat_fp32, [["conv", "relu"]])
qat_prepared = tq.prepare_qat(qat_fused.train())
qxs = torch.randn(3, 4, 1, 4, 4)
qys = torch.relu(qxs * 0.8 + 0.1)
out["qat.xs"] = qxs
out["qat.ys"] = qys
qopt = torch.optim.SGD(qat_prepared.parameters(), lr=0.1)
qlosses = []
for i in range(3):
    qopt.zero_grad()
    loss = F.mse_loss(qat_prepared(qxs[i]), qys[i])
    loss.backward()
    qopt.step()
    qlosses.append(loss.item())
out["qat.loss"] = torch.tensor(qlosses, dtype=torch.float64)
out["qat.trained_weight"] = qat_prepared.conv.weight.detach().clone()
out["qat.float_y"] = qat_fp32(qxs[0]).detach().clone()
qat_prepared.eval()
qat_int8 = tq.convert(qat_prepared)
out["qat.res"] = qat_int8(qxs[0])
out["qat.conv_scale"] = torch.tensor(float(qat_int8.conv.scale), dtype=torch.float64)
out["qat.prepared_eval_y"] = qat_prepared(qxs[1]).detach().clone()


# quantize_dynamic(model) with inplace=False (its default qconfig_spec: Linear, LSTM, GRU, ... to qint8)
dyn = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
for k, v in dyn.state_dict().items():
    out["quant.dyn.init." + k] = v.clone()
dq = torch.ao.quantization.quantize_dynamic(dyn)
dx = torch.randn(5, 6)
out["quant.dyn.x"] = dx
out["quant.dyn.y"] = dq(dx)
out["quant.dyn.float_y"] = dyn(dx).detach().clone()
out["quant.dyn.float_still_linear"] = torch.tensor(type(dyn[0]) is nn.Linear)
out["quant.dyn.weight_int"] = dq[0].weight().int_repr().clone()


# the recipes' misuses: PyTorch's messages (texts.txt: key, a tab, the message with backslash, newline and tab escaped)
texts = {}


def message(key, fn):
    try:
        fn()
    except Exception as ex:
        texts[key] = str(ex).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
        return
    raise AssertionError(key + " did not fail")


torch.set_default_dtype(torch.float64)
# ModelEmaV3 without its is_floating_point guard: lerp_ of num_batches_tracked
message("lerp_long", lambda: torch.zeros(3, dtype=torch.long).lerp_(torch.ones(3, dtype=torch.long), 0.4))


def set_grad(g):
    p = nn.Parameter(torch.ones(2, 3))
    if g.dtype != p.dtype:  # the gradient's dtype as caffe2::TypeMeta prints it, the grad_dtype as c10::ScalarType
        raise RuntimeError("attempting to assign a gradient with dtype '%s' to a tensor with grad_dtype '%s'. The "
                           "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set "
                           "the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                           "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
                           "downstream systems that assume they match."
                           % ({torch.float32: 'float'}[g.dtype], {torch.float64: 'Double'}[p.dtype]))
    if list(g.shape) != list(p.shape):
        raise RuntimeError("attempting to assign a gradient of size '%s' to a tensor of size '%s'. Please ensure that "
                           "the gradient and the tensor are the same size" % (list(g.shape), list(p.shape)))
    p.grad = g


# Reptile written with p.grad = p.data - fast.data from a network of another shape, or another dtype
message("grad_size", lambda: set_grad(torch.ones(3, 2)))
message("grad_type", lambda: set_grad(torch.ones(2, 3, dtype=torch.float32)))
# a Polyak update over networks of different widths (mul_ has already run when add_ refuses)
message("polyak", lambda: torch.ones(4, 5).mul_(0.9).add_(0.1 * torch.ones(4, 4)))
# ModelEmaV2's copy_ between mismatched state dicts
message("ema_copy", lambda: torch.ones(4, 5).copy_(torch.ones(4, 4)))
# the target network loading a policy network of another width
message("load", lambda: DQN(4, 2).load_state_dict(DQN(5, 2).state_dict()))
with open("texts.txt", "w") as f:
    for k in sorted(texts):
        f.write(k + "\t" + texts[k] + "\n")


torch.save(out, "deepcopywild.pt")
print(len(out), "entries")
