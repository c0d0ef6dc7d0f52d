# Expected values for OutsiderPrograms22Test.java (outsider round 22): the model utilities of the PyTorch tutorials
# and docs, each written as the tutorial writes it, from the seed only (no weights copied; round 21's format): pruning
# (torch.nn.utils.prune), parametrizations (register_parametrization with user modules, orthogonal, spectral_norm,
# weight_norm, cached, remove_parametrizations), model ensembling and per-sample gradients (torch.func), FGSM
# adversarial examples, a spatial transformer network, fusion / SWA / gradient accumulation with a scheduler chain.
#   run: cd engine-cpu/src/test/resources/outsiderprograms22 && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU with functorch 1.13; reproducible: each program seeds first, the output is the same bytes run
#   after run.)
# Where 1.13 and 2.x differ, the programs follow 2.x:
#   - torch.func (2.x) is functorch in 1.13: functorch.vmap / functorch.grad are the same transforms;
#     torch.func.functional_call(model, (params, buffers), (x,)) is 1.13's torch.nn.utils.stateless.functional_call
#     of the two dicts merged; torch.func.stack_module_state is written out (2.x's: each name's tensors stacked, the
#     parameters as new leaves requiring grad, the buffers detached).
#   - torch.nn.utils.parametrizations.weight_norm (2.1+) is written out as 2.x's _WeightNorm parametrization:
#     forward torch._weight_norm(v, g, dim), right_inverse (norm_except_dim(w, 2, dim), w), whose two originals are
#     the state_dict keys parametrizations.weight.original0 (g) and original1 (v).
#   - the serial normal (fewer than 16 values) differs between 1.13 and 2.x in the last bit: every normal draw here
#     has 16 values or more (spectral_norm's u and v, orthogonal's completion, the DP-SGD noise drawn as one vector).
#   - linspace: 2.x's CPU kernel computes every value by the scalar formula (1.13's vector passes of
#     Vectorized::arange gave other last bits from the 16th float32 / 8th float64 value on). The capability-dependent
#     programs (linspace, affine_grid, the spatial transformer) run with torch.linspace and F.affine_grid replaced by
#     ../linspace2x.py's emulation of 2.x (linspace2x; affine_grid2x builds ATen's base grid from it and takes torch's
#     bmm), so only linspace's bits differ from 1.13's; arange is 1.13's kernel, which 2.x keeps.
#   - the capabilities: 2.x's linspace is the same on the AVX2 and AVX512 builds (both fuse), and so is the rest of
#     what depends on the capability in affine_grid and the spatial transformer (the 2-D grid_sample's
#     unnormalization, fused on both): those two programs are written for AVX2 (read by OutsiderPrograms22Test on an
#     AVX512 machine too) and DEFAULT. The linspace program keeps all three: AVX512's is run under
#     ATEN_CPU_CAPABILITY=avx512 where the CPU has AVX-512; on a CPU without it (session 62's), its linspace records are
#     the emulation's (fused, as AVX2's) and its arange records are carried over from the committed expected.txt,
#     written by 1.13 under ATEN_CPU_CAPABILITY=avx512 on an AVX-512 machine (2.x's arange kernel is 1.13's).
# Parametrizations that compute at registration (spectral_norm's power iteration, orthogonal's QR, weight_norm's g)
# and pruning are applied after .double(), so nothing is computed in float32 and converted.
# Format: "=== program", then one record a line: "key v1 v2 ...", floats as float.hex, integers as integers; records
# named "names.*" hold names (state_dict keys, named_parameters / named_buffers), compared as strings.
#   loss.<step>, idx.<step>, rng.<step> (crc32 of get_rng_state() after the step), p.<name> (sum, sum of |x|, sum of
#   x^2 of each floating state_dict entry), and program-specific records.
import copy
import os
import subprocess
import sys
import zlib

import functorch
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
import torch.nn.utils.prune as prune
from torch.nn.utils import stateless
from torch.nn.utils.parametrizations import orthogonal, spectral_norm
from torch.optim.swa_utils import SWALR, AveragedModel, update_bn
from torch.utils.data import DataLoader, TensorDataset

F64 = torch.float64


def fmt(v):
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    return float(v).hex()


def rec(key, value):
    if torch.is_tensor(value):
        value = value.detach()
        vals = value.reshape(-1).tolist()
    elif isinstance(value, (list, tuple)):
        vals = list(value)
    else:
        vals = [value]
    print(key + " " + " ".join(fmt(v) for v in vals))


def names(key, values):
    values = list(values)
    assert all(" " not in v for v in values)
    print("names." + key + " " + " ".join(values))


def rng(key):
    rec(key, zlib.crc32(torch.get_rng_state().numpy().tobytes()))


def summary(key, v):
    v = v.detach().double()
    rec(key, [v.sum().item(), v.abs().sum().item(), (v * v).sum().item()])


def summaries(model, prefix="p."):
    for k, v in model.state_dict().items():
        if v.dtype.is_floating_point:
            summary(prefix + k, v)


def header(name):
    cap = os.environ.get("OUTSIDER22_CAPABILITY")
    print("=== " + name + ("." + cap if cap else ""))


def train_steps(model, loader, opt, epochs, loss_fn, step=0, after_backward=None):
    for epoch in range(epochs):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            if after_backward is not None:
                after_backward()
            opt.step()
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    return step


# ------------------------------------------------------------------ 1. the pruning tutorial, step by step
class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square conv kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor"""
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


def prune_tutorial():
    header("prune_tutorial")
    torch.manual_seed(0)
    model = LeNet().double()
    module = model.conv1
    names("params.0", [n for n, _ in module.named_parameters()])
    prune.random_unstructured(module, name="weight", amount=0.3)
    rng("rng.random")
    names("params.1", [n for n, _ in module.named_parameters()])
    names("buffers.1", [n for n, _ in module.named_buffers()])
    rec("mask.1", module.weight_mask)
    summary("weight.1", module.weight)
    prune.l1_unstructured(module, name="bias", amount=3)
    rec("bias_mask", module.bias_mask)
    summary("bias.2", module.bias)
    # iterative pruning: the second mask acts on what the first left
    prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
    rec("mask.2", module.weight_mask)
    summary("weight.2", module.weight)
    names("sd.2", model.state_dict().keys())
    prune.remove(module, 'weight')
    names("params.3", [n for n, _ in module.named_parameters()])
    names("buffers.3", [n for n, _ in module.named_buffers()])
    summary("weight.3", module.weight)
    # pruning multiple parameters in a model
    new_model = LeNet().double()
    for name, m in new_model.named_modules():
        if isinstance(m, torch.nn.Conv2d):
            prune.l1_unstructured(m, name='weight', amount=0.2)
        elif isinstance(m, torch.nn.Linear):
            prune.l1_unstructured(m, name='weight', amount=0.4)
    names("buffers.4", dict(new_model.named_buffers()).keys())
    rec("zeros.4", [int(torch.sum(m.weight == 0)) for m in (new_model.conv1, new_model.conv2, new_model.fc1,
                                                              new_model.fc2, new_model.fc3)])
    # global pruning
    model = LeNet().double()
    parameters_to_prune = (
        (model.conv1, 'weight'),
        (model.conv2, 'weight'),
        (model.fc1, 'weight'),
        (model.fc2, 'weight'),
        (model.fc3, 'weight'),
    )
    prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
    rec("zeros.global", [int(torch.sum(m.weight == 0)) for m, _ in parameters_to_prune])
    summary("fc1.mask", model.fc1.weight_mask)
    # a custom pruning method
    foobar_unstructured(model.fc3, name='bias')
    rec("foobar", model.fc3.bias_mask)
    rng("rng.end")
    # random_structured (torch.rand of the channels, a float32 draw) on top of the global pruning
    prune.random_structured(model.fc2, 'weight', amount=0.25, dim=0)
    rec("structured_rows", model.fc2.weight_mask.sum(1))
    rng("rng.structured")


def prune_train():
    header("prune_train")
    torch.manual_seed(1)
    X = torch.randn(48, 1, 32, 32, dtype=F64)
    y = torch.randint(0, 10, (48,))
    model = LeNet().double()
    prune.random_unstructured(model.conv1, name="weight", amount=0.25)
    prune.ln_structured(model.conv2, name="weight", amount=4, n=1, dim=0)
    prune.global_unstructured([(model.fc1, 'weight'), (model.fc2, 'weight'), (model.fc1, 'bias')],
                              pruning_method=prune.RandomUnstructured, amount=0.3)
    rec("zeros.0", [int(torch.sum(model.conv1.weight == 0)), int(torch.sum(model.conv2.weight == 0)),
                    int(torch.sum(model.fc1.weight == 0)), int(torch.sum(model.fc2.weight == 0)),
                    int(torch.sum(model.fc1.bias == 0))])
    names("params", [n for n, _ in model.named_parameters()])
    names("buffers", [n for n, _ in model.named_buffers()])
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    loader = DataLoader(TensorDataset(X, y, torch.arange(48)), batch_size=16, shuffle=True)
    train_steps(model, loader, opt, 2, F.cross_entropy)
    rec("zeros.1", [int(torch.sum(model.conv1.weight == 0)), int(torch.sum(model.conv2.weight == 0)),
                    int(torch.sum(model.fc1.weight == 0)), int(torch.sum(model.fc2.weight == 0))])
    summaries(model)
    # serialization: a fresh model pruned by identity on the same tensors takes the state_dict (weight_orig and
    # weight_mask) and computes the same
    model2 = LeNet().double()
    for m, name in (("conv1", 'weight'), ("conv2", 'weight'), ("fc1", 'weight'), ("fc1", 'bias'), ("fc2", 'weight')):
        prune.identity(getattr(model2, m), name)
    model2.load_state_dict(model.state_dict())
    model.eval()
    model2.eval()
    with torch.no_grad():
        rec("reload_same", torch.equal(model(X), model2(X)))
    rng("rng.reload")
    for m, name in ((model.conv1, 'weight'), (model.conv2, 'weight'), (model.fc1, 'weight'), (model.fc1, 'bias'),
                    (model.fc2, 'weight')):
        prune.remove(m, name)
    names("sd.removed", model.state_dict().keys())
    model.eval()
    with torch.no_grad():
        rec("eval", F.cross_entropy(model(X), y).item())
    summaries(model, "q.")


# ------------------------------------------------------------------ 2. parametrizations
class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


class CayleyMap(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("Id", torch.eye(n))

    def forward(self, X):
        # (I + X)(I - X)^{-1}
        return torch.linalg.solve(self.Id - X, self.Id + X)


class ParamNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.sym = nn.Linear(6, 6)
        self.rot = nn.Linear(6, 6)
        self.out = nn.Linear(6, 3)
        parametrize.register_parametrization(self.sym, "weight", Symmetric())
        parametrize.register_parametrization(self.rot, "weight", Skew())
        parametrize.register_parametrization(self.rot, "weight", CayleyMap(6))

    def forward(self, x):
        h = torch.tanh(self.sym(x))
        h = torch.tanh(self.rot(h))
        h = torch.tanh(self.rot(h))
        return self.out(h)


def parametrizations():
    header("parametrizations")
    torch.manual_seed(2)
    X = torch.randn(40, 6, dtype=F64)
    y = torch.randint(0, 3, (40,))
    model = ParamNet().double()
    # orthogonal on a wide Linear (3 x 6, householder): its right_inverse completes the transposed weight with
    # randn(6, 3) and orthogonalizes it by QR into the base
    orthogonal(model.out)
    rng("rng.orth")
    names("sd.0", model.state_dict().keys())
    names("params.0", [n for n, _ in model.named_parameters()])
    w = model.sym.weight
    rec("sym_err", (w - w.T).abs().max().item())
    q = model.out.weight
    rec("orth_err", (q @ q.T - torch.eye(3, dtype=F64)).abs().max().item() < 1e-12)
    summary("out.weight.0", model.out.weight)
    summary("rot.weight.0", model.rot.weight)
    # a new value through right_inverse
    model.sym.weight = torch.ones(6, 6, dtype=F64) * 0.1 + torch.eye(6, dtype=F64) * 0.2
    summary("sym.original", model.sym.parametrizations.weight.original)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(TensorDataset(X, y, torch.arange(40)), batch_size=10, shuffle=True)
    train_steps(model, loader, opt, 2, F.cross_entropy)
    with torch.no_grad():
        plain = model(X)
        with parametrize.cached():
            cached = model(X)
    summary("plain", plain)
    rec("cached_diff", (plain - cached).abs().max().item())
    summaries(model)
    q = model.out.weight
    rec("orth_err.1", (q @ q.T - torch.eye(3, dtype=F64)).abs().max().item() < 1e-12)
    # serialization: a fresh model with the same parametrizations (orthogonal draws its completion again) takes the
    # state_dict (originals, the orthogonal base, CayleyMap's buffer) and computes the same
    model2 = ParamNet().double()
    orthogonal(model2.out)
    model2.load_state_dict(model.state_dict())
    with torch.no_grad():
        rec("reload_same", torch.equal(model(X), model2(X)))
    rng("rng.reload")
    parametrize.remove_parametrizations(model.sym, "weight", leave_parametrized=True)
    parametrize.remove_parametrizations(model.rot, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(model.out, "weight")
    names("sd.removed", model.state_dict().keys())
    with torch.no_grad():
        rec("eval.removed", F.cross_entropy(model(X), y).item())
    summaries(model, "q.")


class _WeightNorm(nn.Module):
    """2.x's torch.nn.utils.parametrizations._WeightNorm (not in 1.13)."""

    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        weight_g = torch.norm_except_dim(weight, 2, self.dim)
        weight_v = weight
        return weight_g, weight_v


def weight_norm(module, name="weight", dim=0):
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def spectral():
    header("spectral")
    torch.manual_seed(3)
    real = torch.randn(64, 20, dtype=F64) * 0.5 + 1.0
    fake = torch.randn(64, 20, dtype=F64)
    X = torch.cat([real, fake])
    y = torch.cat([torch.ones(64, 1, dtype=F64), torch.zeros(64, 1, dtype=F64)])
    D = nn.Sequential(nn.Linear(20, 40), nn.LeakyReLU(0.2), nn.Linear(40, 40), nn.LeakyReLU(0.2),
                      nn.Linear(40, 1)).double()
    # the power iteration's u and v are drawn at registration (normal_ of 40 and 20, then 40 and 40 values)
    spectral_norm(D[0])
    spectral_norm(D[2])
    weight_norm(D[4])
    rng("rng.reg")
    names("sd.0", D.state_dict().keys())
    summary("u0.0", D[0].parametrizations.weight[0]._u)
    summary("v2.0", D[2].parametrizations.weight[0]._v)
    with torch.no_grad():
        rec("sigma0.0", torch.linalg.matrix_norm(D[0].weight, 2).item())
    summary("g.0", D[4].parametrizations.weight.original0)
    opt = torch.optim.SGD(D.parameters(), lr=0.05, momentum=0.5)
    loader = DataLoader(TensorDataset(X, y, torch.arange(128)), batch_size=32, shuffle=True)
    train_steps(D, loader, opt, 2, F.binary_cross_entropy_with_logits)
    summaries(D)
    D.eval()
    with torch.no_grad():
        # eval mode: no power iteration, the buffers stay
        a = D(X)
        b = D(X)
        rec("eval", F.binary_cross_entropy_with_logits(a, y).item())
        rec("eval_same", (a - b).abs().max().item())
    summary("u0.1", D[0].parametrizations.weight[0]._u)


# ------------------------------------------------------------------ 3. ensembling and per-sample gradients
class SimpleMLP(nn.Module):
    def __init__(self):
        super(SimpleMLP, self).__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        return x


def stack_module_state(models):
    """2.x's torch.func.stack_module_state."""
    params = {k: torch.stack([dict(m.named_parameters())[k].detach() for m in models]).requires_grad_()
              for k, _ in models[0].named_parameters()}
    buffers = {k: torch.stack([dict(m.named_buffers())[k].detach() for m in models])
               for k, _ in models[0].named_buffers()}
    return params, buffers


def functional_call(module, dicts, args):
    """2.x's torch.func.functional_call(module, (params, buffers), args)."""
    merged = {}
    for d in dicts:
        merged.update(d)
    return stateless.functional_call(module, merged, args)


def ensemble():
    header("ensemble")
    torch.manual_seed(4)
    num_models = 5
    data = torch.randn(10, 16, 1, 8, 8, dtype=F64)
    targets = torch.randint(10, (160,))
    models = [SimpleMLP().double() for _ in range(num_models)]
    minibatches = data[:num_models]
    predictions_diff_minibatch_loop = [model(minibatch) for model, minibatch in zip(models, minibatches)]
    minibatch = data[0]
    predictions2 = [model(minibatch) for model in models]
    params, buffers = stack_module_state(models)
    base_model = copy.deepcopy(models[0])
    base_model = base_model.to('meta')

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    predictions1_vmap = functorch.vmap(fmodel)(params, buffers, minibatches)
    predictions2_vmap = functorch.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    summary("pred1", predictions1_vmap)
    summary("pred2", predictions2_vmap)
    rec("diff1", (predictions1_vmap - torch.stack(predictions_diff_minibatch_loop)).abs().max().item() < 1e-12)
    rec("diff2", (predictions2_vmap - torch.stack(predictions2)).abs().max().item() < 1e-12)
    # training the ensemble at once: the stacked parameters are leaves, one optimizer steps them all
    opt = torch.optim.SGD(params.values(), lr=0.05, momentum=0.9)
    t = targets.view(10, 16)
    for step in range(6):
        xb = data[(step % 2) * 5:(step % 2) * 5 + 5]
        tb = t[(step % 2) * 5:(step % 2) * 5 + 5]
        opt.zero_grad()
        out = functorch.vmap(fmodel)(params, buffers, xb)
        per_model = torch.stack([F.cross_entropy(out[i], tb[i]) for i in range(num_models)])
        per_model.sum().backward()
        opt.step()
        rec("loss.%d" % step, per_model)
    for k, v in params.items():
        summary("p." + k, v)
    # the ensemble's averaged prediction on a new batch, voting
    with torch.no_grad():
        out = functorch.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, data[9])
        probs = out.softmax(-1).mean(0)
        rec("vote", probs.argmax(-1))
        summary("probs", probs)


class SimpleCNN(nn.Module):
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.fc1 = nn.Linear(256, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        output = x
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


def per_sample():
    header("per_sample")
    torch.manual_seed(5)
    batch_size = 16
    data = torch.randn(batch_size, 1, 12, 12, dtype=F64)
    targets = torch.randint(10, (batch_size,))
    model = SimpleCNN().double()
    predictions = model(data)
    loss = loss_fn(predictions, targets)
    rec("loss", loss.item())

    def compute_grad(sample, target):
        sample = sample.unsqueeze(0)  # prepend batch dimension for processing
        target = target.unsqueeze(0)
        prediction = model(sample)
        loss = loss_fn(prediction, target)
        return torch.autograd.grad(loss, list(model.parameters()))

    def compute_sample_grads(data, targets):
        """ manually process each sample with per sample gradient """
        sample_grads = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
        sample_grads = zip(*sample_grads)
        sample_grads = [torch.stack(shards) for shards in sample_grads]
        return sample_grads

    per_sample_grads = compute_sample_grads(data, targets)
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = functorch.grad(compute_loss)
    ft_compute_sample_grad = functorch.vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
    for (name, g), loop in zip(ft_per_sample_grads.items(), per_sample_grads):
        summary("g." + name, g)
        rec("diff." + name, (g - loop).abs().max().item() < 1e-12)
    rec("g.fc2.bias.rows", ft_per_sample_grads["fc2.bias"])
    # DP-SGD with the per-sample gradients: clip each sample's gradient to norm C, add Gaussian noise (one randn of
    # all the parameters' sizes, split: no draw of fewer than 16 values), average, step
    C, sigma, lr = 1.0, 0.5, 0.5
    names_ = [k for k, _ in model.named_parameters()]
    for step in range(4):
        params = {k: v.detach() for k, v in model.named_parameters()}
        g = ft_compute_sample_grad(params, buffers, data, targets)
        norms = torch.stack([g[k].flatten(1).norm(dim=1) for k in names_]).norm(dim=0)
        factor = (C / (norms + 1e-6)).clamp(max=1.0)
        total = sum(p.numel() for p in model.parameters())
        noise = torch.randn(total, dtype=F64)
        offset = 0
        with torch.no_grad():
            for k, p in model.named_parameters():
                clipped = (g[k] * factor.view(-1, *([1] * (g[k].dim() - 1)))).sum(0)
                n = noise[offset:offset + p.numel()].view_as(p)
                offset += p.numel()
                p -= lr * (clipped + sigma * C * n) / batch_size
        rec("norms.%d" % step, norms)
        with torch.no_grad():
            rec("loss.%d" % step, loss_fn(model(data), targets).item())
        rng("rng.%d" % step)
    summaries(model)


# ------------------------------------------------------------------ 4. FGSM
class FgsmNet(nn.Module):
    def __init__(self):
        super(FgsmNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(256, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def fgsm_attack(image, epsilon, data_grad):
    # Collect the element-wise sign of the data gradient
    sign_data_grad = data_grad.sign()
    # Create the perturbed image by adjusting each pixel of the input image
    perturbed_image = image + epsilon * sign_data_grad
    # Adding clipping to maintain [0,1] range
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    return perturbed_image


def denorm(batch, mean=[0.1307], std=[0.3081]):
    mean = torch.tensor(mean, dtype=F64)
    std = torch.tensor(std, dtype=F64)
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def normalize(batch, mean=0.1307, std=0.3081):
    # transforms.Normalize((0.1307,), (0.3081,)) on a batch: (x - mean) / std
    return (batch - mean) / std


def fgsm():
    header("fgsm")
    torch.manual_seed(6)
    # images in [0, 1], labels from a random linear teacher on the pixels, normalized as the MNIST transform does
    images = torch.rand(64, 1, 12, 12, dtype=F64)
    teacher = torch.randn(144, 10, dtype=F64)
    labels = (images.flatten(1) @ teacher).argmax(1)
    X = normalize(images)
    model = FgsmNet().double()
    opt = torch.optim.Adadelta(model.parameters(), lr=1.0)
    loader = DataLoader(TensorDataset(X[:48], labels[:48], torch.arange(48)), batch_size=16, shuffle=True)
    train_steps(model, loader, opt, 3, F.nll_loss)
    model.eval()
    test_loader = DataLoader(TensorDataset(X[48:], labels[48:]), batch_size=1, shuffle=True)
    for epsilon in [0, .05, .1, .3]:
        correct = 0
        adv_sum = 0.0
        order = []
        for data, target in test_loader:
            data.requires_grad = True
            output = model(data)
            init_pred = output.max(1, keepdim=True)[1]
            order.append(int(target))
            if init_pred.item() != target.item():
                continue
            loss = F.nll_loss(output, target)
            model.zero_grad()
            loss.backward()
            data_grad = data.grad.data
            data_denorm = denorm(data)
            perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
            perturbed_data_normalized = normalize(perturbed_data)
            output = model(perturbed_data_normalized)
            final_pred = output.max(1, keepdim=True)[1]
            adv_sum += output.sum().item()
            if final_pred.item() == target.item():
                correct += 1
        rec("eps.%s.targets" % epsilon, order)
        rec("eps.%s.correct" % epsilon, correct)
        rec("eps.%s.adv" % epsilon, adv_sum)
        rng("eps.%s.rng" % epsilon)
    summary("fc2.grad", model.fc2.weight.grad)


# ------------------------------------------------------------------ 5. spatial transformer network
class StnNet(nn.Module):
    def __init__(self):
        super(StnNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def stn():
    header("stn")
    torch.manual_seed(7)
    X = torch.randn(48, 1, 28, 28, dtype=F64)
    y = torch.randint(0, 10, (48,))
    model = StnNet().double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = DataLoader(TensorDataset(X, y, torch.arange(48)), batch_size=16, shuffle=True)
    thetas = []

    def record_theta():
        thetas.append(model.fc_loc[2].bias.grad.clone())

    train_steps(model, loader, optimizer, 2, F.nll_loss, after_backward=record_theta)
    rec("theta_grad.0", thetas[0])
    summaries(model)
    model.eval()
    with torch.no_grad():
        rec("eval", F.nll_loss(model(X), y).item())
        transformed = model.stn(X[:4])
        summary("transformed", transformed)
        theta = model.fc_loc(model.localization(X[:4]).view(-1, 90)).view(-1, 2, 3)
        rec("theta", theta)


# ------------------------------------------------------------------ 6. fusion, SWA, gradient accumulation
def fusion_swa():
    header("fusion_swa")
    torch.manual_seed(8)
    X = torch.randn(64, 3, 8, 8, dtype=F64)
    y = torch.randint(0, 4, (64,))
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3),
                          nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 4)).double()
    loader = DataLoader(TensorDataset(X, y, torch.arange(64)), batch_size=16, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    swa_model = AveragedModel(model)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    swa_start = 2
    swa_scheduler = SWALR(optimizer, swa_lr=0.02, anneal_epochs=2)
    step = 0
    for epoch in range(4):
        step = train_steps(model, loader, optimizer, 1, F.cross_entropy, step=step)
        if epoch >= swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
        rec("lr.%d" % epoch, optimizer.param_groups[0]["lr"])
    rec("n_averaged", int(swa_model.n_averaged))
    # Update bn statistics for the swa_model at the end
    update_bn(loader, swa_model)
    rng("rng.update_bn")
    names("swa.sd", swa_model.state_dict().keys())
    summaries(swa_model, "swa.")
    swa_model.eval()
    model.eval()
    with torch.no_grad():
        rec("swa.eval", F.cross_entropy(swa_model(X), y).item())
        rec("model.eval", F.cross_entropy(model(X), y).item())
        # fusing conv + bn for inference
        fused1 = torch.nn.utils.fusion.fuse_conv_bn_eval(model[0], model[1])
        fused2 = torch.nn.utils.fusion.fuse_conv_bn_eval(model[3], model[4])
        fused = nn.Sequential(fused1, nn.ReLU(), fused2, nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), model[8])
        a = model(X)
        b = fused(X)
        summary("fused.out", b)
        rec("fused.diff_small", (a - b).abs().max().item() < 1e-12)
        summary("fused1.weight", fused1.weight)
        summary("fused2.bias", fused2.bias)


def accumulation():
    header("accumulation")
    torch.manual_seed(9)
    X = torch.randn(96, 12, dtype=F64)
    y = (X[:, :4].sum(1) > 0).long() + (X[:, 4:8].sum(1) > 0).long()
    model = nn.Sequential(nn.Linear(12, 24), nn.GELU(), nn.Dropout(0.1), nn.Linear(24, 3)).double()
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.01)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=2)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4, eta_min=0.001)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[2])
    loader = DataLoader(TensorDataset(X, y, torch.arange(96)), batch_size=8, shuffle=True)
    accumulation_steps = 4
    model.train()
    optimizer.zero_grad()
    step = 0
    for epoch in range(2):
        for i, (xb, yb, ib) in enumerate(loader):
            loss = F.cross_entropy(model(xb), yb) / accumulation_steps
            loss.backward()
            rec("idx.%d.%d" % (epoch, i), ib)
            rec("loss.%d.%d" % (epoch, i), loss.item())
            if (i + 1) % accumulation_steps == 0:
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
                optimizer.step()
                optimizer.zero_grad()
                scheduler.step()
                rec("norm.%d" % step, norm.item())
                rec("lr.%d" % step, optimizer.param_groups[0]["lr"])
                rng("rng.%d" % step)
                step += 1
    summaries(model)


# ------------------------------------------------------------------ a regression: affine_grid's base grid, bit for bit
def affine_grid_identity():
    # ATen's linspace_from_neg_one scales linspace(-1, 1, n) by "range * (n - 1) / n" (two roundings); the identity
    # transform's grid then lands on pixel centres or a rounding off them, and grid_sample's gradient with respect to
    # the grid jumps across a centre: a product by the rounded ratio (n - 1) / n puts some points on the other side
    header("affine_grid")
    torch.manual_seed(10)
    for dtype, name in ((F64, "f64"), (torch.float32, "f32")):
        th = torch.tensor([[1., 0, 0], [0, 1, 0]], dtype=dtype).unsqueeze(0)
        rec("grid2d." + name, F.affine_grid(th, (1, 1, 7, 28), align_corners=False))
        th3 = torch.tensor([[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=dtype).unsqueeze(0)
        rec("grid3d." + name, F.affine_grid(th3, (1, 1, 2, 3, 28), align_corners=False))
    inp = torch.randn(1, 1, 7, 28, dtype=F64)
    th = torch.tensor([[1., 0, 0], [0, 1, 0]], dtype=F64).unsqueeze(0).requires_grad_()
    out = F.grid_sample(inp, F.affine_grid(th, (1, 1, 7, 28), align_corners=False), align_corners=False)
    out.sum().backward()
    rec("theta_grad", th.grad)
    # the neighbours grid_sample takes at each point of an identity grid, read off the gradient with respect to the
    # grid over an input of the squared column index (the left neighbour x_w gives (2 x_w + 1) * W / 2): the 2-D CPU
    # kernel unnormalizes by (g + 1) * (W / 2) - 0.5, fused where the build has FMA
    W = 100
    for dtype, name in ((F64, "f64"), (torch.float32, "f32")):
        for align in (False, True):
            th = torch.tensor([[1., 0, 0], [0, 1, 0]], dtype=dtype).unsqueeze(0)
            g = F.affine_grid(th, (1, 1, 3, W), align_corners=align).requires_grad_()
            inp = (torch.arange(W, dtype=dtype) ** 2).expand(1, 1, 3, W)
            F.grid_sample(inp, g, align_corners=align).sum().backward()
            scale = (W - 1) / 2 if align else W / 2
            rec("left.%s.%d" % (name, align), torch.round((g.grad[..., 0] / scale - 1) / 2).long())


# ------------------------------------------------------------------ 7. neural tangent kernels (torch.func tutorial)
class NtkCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, (3, 3))
        self.conv2 = nn.Conv2d(8, 8, (3, 3))
        self.conv3 = nn.Conv2d(8, 8, (3, 3))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = x.relu()
        x = self.conv2(x)
        x = x.relu()
        x = self.conv3(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x


def ntk():
    header("ntk")
    torch.manual_seed(12)
    x_train = torch.randn(6, 3, 8, 8, dtype=F64)
    x_test = torch.randn(4, 3, 8, 8, dtype=F64)
    net = NtkCNN().double()
    net.eval()
    params = {k: v.detach() for k, v in net.named_parameters()}

    def fnet_single(params, x):
        return stateless.functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)

    def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2, compute):
        # Compute J(x1)
        jac1 = functorch.vmap(functorch.jacrev(fnet_single), (None, 0))(params, x1)
        jac1 = jac1.values()
        jac1 = [j.flatten(2) for j in jac1]
        # Compute J(x2)
        jac2 = functorch.vmap(functorch.jacrev(fnet_single), (None, 0))(params, x2)
        jac2 = jac2.values()
        jac2 = [j.flatten(2) for j in jac2]
        # Compute J(x1) @ J(x2).T
        einsum_expr = None
        if compute == 'full':
            einsum_expr = 'Naf,Mbf->NMab'
        elif compute == 'trace':
            einsum_expr = 'Naf,Maf->NM'
        elif compute == 'diagonal':
            einsum_expr = 'Naf,Maf->NMa'
        result = torch.stack([torch.einsum(einsum_expr, j1, j2) for j1, j2 in zip(jac1, jac2)])
        result = result.sum(0)
        return result

    def empirical_ntk_ntk_vps(func, params, x1, x2, compute='full'):
        def get_ntk(x1, x2):
            def func_x1(params):
                return func(params, x1)

            def func_x2(params):
                return func(params, x2)

            output, vjp_fn = functorch.vjp(func_x1, params)

            def get_ntk_slice(vec):
                # This computes ``vec @ J(x2).T``
                # `vec` is some unit vector (a single slice of the Identity matrix)
                vjps = vjp_fn(vec)
                # This computes ``J(X1) @ vjps``
                _, jvps = functorch.jvp(func_x2, (params,), vjps)
                return jvps

            # Here's our identity matrix
            basis = torch.eye(output.numel(), dtype=output.dtype, device=output.device).view(output.numel(), -1)
            return functorch.vmap(get_ntk_slice)(basis)

        # ``get_ntk(x1, x2)`` computes the NTK for a single data point x1, x2
        # Since the x1, x2 inputs to ``empirical_ntk_ntk_vps`` are batched,
        # we actually wish to compute the NTK between every pair of data points
        # between {x1} and {x2}. That's what the ``vmaps`` here do.
        result = functorch.vmap(functorch.vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
        if compute == 'full':
            return result
        if compute == 'trace':
            return torch.einsum('NMKK->NM', result)
        if compute == 'diagonal':
            return torch.einsum('NMKK->NMK', result)

    full = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'full')
    summary("full", full)
    rec("full.0.0", full[0, 0])
    trace = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'trace')
    rec("trace", trace)
    diagonal = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, 'diagonal')
    summary("diagonal", diagonal)
    vps = empirical_ntk_ntk_vps(fnet_single, params, x_train, x_test)
    rec("vps_close", torch.allclose(full, vps, atol=1e-12, rtol=1e-10))
    rec("vps_trace", torch.allclose(trace, empirical_ntk_ntk_vps(fnet_single, params, x_train, x_test, 'trace'),
                                    atol=1e-12, rtol=1e-10))


# ------------------------------------------------------------------ 8. an EMA of the weights and the buffers
def ema():
    # 2.x: AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True); 1.13 has neither, so its
    # avg_fn is 2.x's CPU rule written out: floating tensors lerp(current, 1 - decay) (the _foreach_lerp_ of the
    # group), the others (num_batches_tracked) avg * decay + current * (1 - decay), copied back (truncated)
    header("ema")
    torch.manual_seed(13)
    decay = 0.9

    def ema_avg(avg, cur, n):
        if avg.is_floating_point():
            return torch.lerp(avg, cur, 1 - decay)
        return avg * decay + cur * (1 - decay)

    X = torch.randn(80, 8, dtype=F64)
    y = (X[:, 0] * X[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2)).double()
    ema_model = AveragedModel(model, avg_fn=ema_avg, use_buffers=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(TensorDataset(X, y, torch.arange(80)), batch_size=16, shuffle=True)
    step = 0
    for epoch in range(2):
        model.train()
        for xb, yb, ib in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            ema_model.update_parameters(model)
            rec("idx.%d" % step, ib)
            rec("loss.%d" % step, loss.item())
            rng("rng.%d" % step)
            step += 1
    rec("n_averaged", int(ema_model.n_averaged))
    rec("num_batches_tracked", int(ema_model.module[1].num_batches_tracked))
    summaries(ema_model, "ema.")
    ema_model.eval()
    model.eval()
    with torch.no_grad():
        rec("ema.eval", F.cross_entropy(ema_model(X), y).item())
        rec("model.eval", F.cross_entropy(model(X), y).item())


# ------------------------------------------------------------------ 9. an ensemble with dropout under vmap's randomness
class DropMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 24)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(24, 3)

    def forward(self, x):
        return self.fc2(self.drop(F.relu(self.fc1(x))))


def ensemble_dropout():
    # vmap(randomness='different'): each model its own mask, one bernoulli over the batched [models, ...] activations
    # (2.x's native_dropout batching rule runs native_dropout on the batch-first physical tensor); 'same': one mask
    # drawn over the unbatched shape and shared by every model
    header("ensemble_dropout")
    torch.manual_seed(14)
    num_models = 4
    data = torch.randn(num_models, 20, 12, dtype=F64)
    targets = torch.randint(0, 3, (num_models, 20))
    models = [DropMLP().double() for _ in range(num_models)]
    params, buffers = stack_module_state(models)
    base_model = copy.deepcopy(models[0]).to('meta')

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))

    opt = torch.optim.SGD(params.values(), lr=0.1)
    for step in range(3):
        opt.zero_grad()
        out = functorch.vmap(fmodel, randomness='different')(params, buffers, data)
        losses = torch.stack([F.cross_entropy(out[i], targets[i]) for i in range(num_models)])
        losses.sum().backward()
        opt.step()
        rec("loss.%d" % step, losses)
        rng("rng.%d" % step)
    with torch.no_grad():
        same = functorch.vmap(fmodel, in_dims=(0, 0, None), randomness='same')(params, buffers, data[0])
        summary("same", same)
        rng("rng.same")
        diff = functorch.vmap(fmodel, in_dims=(0, 0, None), randomness='different')(params, buffers, data[0])
        summary("different", diff)
        rng("rng.different")
    for k, v in params.items():
        summary("p." + k, v)


def linspace():
    # linspace itself, bit for bit (2.x's CPU kernel, emulated: the scalar formula for every value, fused by FMA in the
    # AVX2 and AVX512 builds)
    header("linspace")
    for dtype, name in ((F64, "f64"), (torch.float32, "f32")):
        for start, end, steps in ((-1, 1, 28), (-3.7, 11.3, 37), (0.1, 0.7, 100)):
            rec("%s.%d" % (name, steps), torch.linspace(start, end, steps, dtype=dtype))
        # arange's kernel: the same passes from start + step * idx in the double accumulator, every product and sum
        # fused in the FMA builds
        for start, end, step in ((0, 1, 0.1), (-3.7, 11.3, 0.37), (0.1, 2.3, 0.013)):
            rec("arange.%s.%s" % (name, step), torch.arange(start, end, step, dtype=dtype))


def use_2x_linspace():
    """torch.linspace and F.affine_grid as 2.x computes them (see the header): the programs call them by name."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from linspace2x import affine_grid2x, linspace2x

    torch.linspace = lambda start, end, steps, dtype=None: linspace2x(start, end, steps, dtype)
    F.affine_grid = lambda theta, size, align_corners=None: affine_grid2x(theta, size, align_corners)


def has_avx512():
    with open("/proc/cpuinfo") as f:
        flags = next((line for line in f if line.startswith("flags")), "").split()
    return all(x in flags for x in ("avx512vl", "avx512bw", "avx512dq", "fma"))


def carried_avx512_aranges():
    """The committed linspace.AVX512 section's arange records (1.13 under ATEN_CPU_CAPABILITY=avx512), by key."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.txt")
    out, inside = {}, False
    with open(path) as f:
        for line in f:
            if line.startswith("=== "):
                inside = line.split()[1] == "linspace.AVX512"
            elif inside and line.startswith("arange."):
                out[line.split()[0]] = line
    return out


if len(sys.argv) > 1 and sys.argv[1] == "--capability-dependent":
    want = os.environ["OUTSIDER22_CAPABILITY"]
    got = torch.__config__.show().split("CPU capability usage: ")[1].split()[0]
    assert got == (want if want != "DEFAULT" else "NO"), (want, got)
    use_2x_linspace()
    linspace()
    if want != "AVX512":
        affine_grid_identity()
        stn()
    sys.exit(0)

prune_tutorial()
prune_train()
parametrizations()
spectral()
ensemble()
per_sample()
fgsm()
fusion_swa()
accumulation()
ntk()
ema()
ensemble_dropout()
# the programs whose results depend on the CPU capability of PyTorch's kernels (linspace's FMA decides on which side
# of a pixel centre the spatial transformer's identity grid falls, where grid_sample's gradient jumps), each run under
# ATEN_CPU_CAPABILITY=avx512 (linspace only), avx2 and default (1.13 runs its AVX2 kernels on an AVX-512 machine
# unless told; 2.x picks AVX512 there), their program names suffixed with the capability
sys.stdout.flush()
for cap in ("AVX512", "AVX2", "DEFAULT"):
    if cap == "AVX512" and not has_avx512():
        # see the header: the emulation's linspace (fused) and the committed AVX512 aranges
        carried = carried_avx512_aranges()
        real_linspace = torch.linspace
        use_2x_linspace()
        sys.stdout.write("=== linspace.AVX512\n")
        for dtype, name in ((F64, "f64"), (torch.float32, "f32")):
            for start, end, steps in ((-1, 1, 28), (-3.7, 11.3, 37), (0.1, 0.7, 100)):
                rec("%s.%d" % (name, steps), torch.linspace(start, end, steps, dtype=dtype))
            for step in (0.1, 0.37, 0.013):
                sys.stdout.write(carried["arange.%s.%s" % (name, step)])
        sys.stdout.flush()
        torch.linspace = real_linspace
        continue
    env = dict(os.environ, ATEN_CPU_CAPABILITY=cap.lower(), OUTSIDER22_CAPABILITY=cap)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--capability-dependent"], env=env,
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    sys.stdout.write(out)
