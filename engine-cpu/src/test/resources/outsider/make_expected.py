"""Expected values for OutsiderApiTest (session 23's outsider pass): the overloads, loss modules, AdamW, layer
constructors and accessors that a PyTorch user reaches for, each computed by PyTorch on the inputs saved beside it.

Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py  ->  outsider.pt (a dict of tensors, read by
TorchSerialization.load). Where 1.13 and 2.x differ Ember follows 2.x; nothing here differs between them (AdamW's
update is the same; its repr's first line is "AdamW (" in both).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as P

torch.manual_seed(23)
out = {}

# reductions and flatten: the one-dimension overloads
x = torch.randn(3, 4, 5)
out["x"] = x
out["sum1k"] = x.sum(1, keepdim=True)
out["meanm1k"] = x.mean(-1, keepdim=True)
out["max1_values"], out["max1_indices"] = x.max(1)
out["min2_values"], out["min2_indices"] = x.min(2)
out["argmax1"] = x.argmax(1)
out["argminm1"] = x.argmin(-1)
out["std1"] = x.std(1)
out["var2k"] = x.var(2, keepdim=True)
out["std0k"] = x.std(0, keepdim=True)
out["var0"] = x.var(0)
out["flatten1"] = torch.flatten(x, 1)

# functional losses with PyTorch's defaults
logits = torch.randn(6, 4, requires_grad=True)
target = torch.tensor([0, 3, 1, 1, 2, 3])
out["logits"] = logits.detach()
out["target"] = target
out["nll"] = F.nll_loss(F.log_softmax(logits, 1), target).detach()
p = torch.rand(6, 4) * 0.9 + 0.05
y = (torch.rand(6, 4) > 0.5).float()
out["p"], out["y"] = p, y
out["bce"] = F.binary_cross_entropy(p, y)
out["bcelogits"] = F.binary_cross_entropy_with_logits(logits.detach(), y)

# loss modules: value and the input's gradient
w = torch.tensor([1.0, 2.0, 0.5, 1.5])
pw = torch.tensor([2.0, 0.5, 1.0, 3.0])
out["w"], out["pw"] = w, pw
tgt = torch.randn(6, 4)
out["tgt"] = tgt
mods = {
    "ce": (nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1), logits, target),
    "nllmod": (nn.NLLLoss(weight=w, ignore_index=3, reduction="sum"), logits, target),
    "mse": (nn.MSELoss(reduction="sum"), logits, tgt),
    "l1": (nn.L1Loss(), logits, tgt),
    "bcemod": (nn.BCELoss(weight=w), None, y),
    "bcewl": (nn.BCEWithLogitsLoss(pos_weight=pw), logits, y),
    "smoothl1": (nn.SmoothL1Loss(beta=0.5), logits, tgt),
    "huber": (nn.HuberLoss(delta=0.7), logits, tgt),
    "kldiv": (nn.KLDivLoss(reduction="batchmean", log_target=True), logits, F.log_softmax(tgt, 1)),
}
for name, (mod, inp, t) in mods.items():
    if inp is None:
        inp = p.clone().requires_grad_(True)
    else:
        inp = inp.detach().clone().requires_grad_(True)
    if name == "nllmod":
        value = mod(F.log_softmax(inp, 1), t)
    else:
        value = mod(inp, t)
    value.backward()
    out[name] = value.detach()
    out[name + "_grad"] = inp.grad
print("ce state keys", list(nn.CrossEntropyLoss(weight=w).state_dict().keys()),
      list(nn.BCEWithLogitsLoss(pos_weight=pw).state_dict().keys()), repr(nn.MSELoss()))

# AdamW: three steps on a linear layer with given weights (and Adam's constructor beside it)
lw = torch.randn(3, 4)
lb = torch.randn(3)
xa = torch.randn(8, 4)
ya = torch.randn(8, 3)
out["lw"], out["lb"], out["xa"], out["ya"] = lw, lb, xa, ya
for name, cls, kw in [("adamw", torch.optim.AdamW, dict(lr=0.1, weight_decay=0.1)),
                      ("adamwams", torch.optim.AdamW, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.2, amsgrad=True)),
                      ("adam", torch.optim.Adam, dict(lr=0.1)),
                      ("adamfull", torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.2, amsgrad=True))]:
    lin = nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(lw)
        lin.bias.copy_(lb)
    opt = cls(lin.parameters(), **kw)
    for _ in range(3):
        opt.zero_grad()
        F.mse_loss(lin(xa), ya).backward()
        opt.step()
    out[name + "_weight"] = lin.weight.detach().clone()
    out[name + "_bias"] = lin.bias.detach().clone()
    print(name, repr(opt).splitlines()[0])

# convolutions and poolings from ints
img = torch.randn(2, 3, 9, 9)
out["img"] = img
conv = nn.Conv2d(3, 4, 3, 2, 1, bias=False)
out["conv2d_w"] = conv.weight.detach()
out["conv2d_out"] = conv(img).detach()
conv = nn.Conv2d(3, 4, 3, 2, 1)
out["conv2db_w"], out["conv2db_b"] = conv.weight.detach(), conv.bias.detach()
out["conv2db_out"] = conv(img).detach()
seq = torch.randn(2, 3, 11)
out["seq"] = seq
conv = nn.Conv1d(3, 2, 3, 2, 1)
out["conv1d_w"], out["conv1d_b"] = conv.weight.detach(), conv.bias.detach()
out["conv1d_out"] = conv(seq).detach()
vol = torch.randn(1, 2, 5, 5, 5)
out["vol"] = vol
conv = nn.Conv3d(2, 3, 3, 2, 1, bias=False)
out["conv3d_w"] = conv.weight.detach()
out["conv3d_out"] = conv(vol).detach()
out["maxpool_3_2_1"] = nn.MaxPool2d(3, 2, 1)(img)
out["maxpool_2_1"] = nn.MaxPool2d(2, 1)(img)
out["avgpool_3_2_1"] = nn.AvgPool2d(3, 2, 1)(img)
out["avgpool_3_2"] = nn.AvgPool2d(3, 2)(img)

# LSTM's seven-argument constructor: bidirectional, batch first, two layers
lstm = nn.LSTM(3, 4, 2, True, True, 0.0, True)
for k, v in lstm.state_dict().items():
    out["lstm." + k] = v
lin_in = torch.randn(2, 5, 3)
out["lstm_in"] = lin_in
o, (h, c) = lstm(lin_in)
out["lstm_out"], out["lstm_h"], out["lstm_c"] = o.detach(), h.detach(), c.detach()

# Embedding with a padding index: the row starts at zero and gets no gradient
emb = nn.Embedding(6, 3, padding_idx=2)
out["emb_row2"] = emb.weight[2].detach().clone()
ew = torch.randn(6, 3)
out["emb_w"] = ew
with torch.no_grad():
    emb.weight.copy_(ew)
idx = torch.tensor([[2, 0, 5], [1, 2, 2]])
out["emb_idx"] = idx
(emb(idx) * torch.arange(1.0, 4.0)).sum().backward()
out["emb_grad"] = emb.weight.grad

# MultiheadAttention called with a key padding mask only
mha = nn.MultiheadAttention(8, 2, batch_first=True)
for k, v in mha.state_dict().items():
    out["mha." + k] = v
q = torch.randn(2, 4, 8)
kv = torch.randn(2, 5, 8)
mask = torch.tensor([[False, False, False, True, True], [False] * 5])
out["mha_q"], out["mha_kv"], out["mha_mask"] = q, kv, mask
o, a = mha(q, kv, kv, key_padding_mask=mask)
out["mha_out"], out["mha_weights"] = o.detach(), a.detach()

# accessors: a parametrized weight reads its parametrization's value
class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(0, 1)
sym = nn.Linear(3, 3)
sw = torch.randn(3, 3)
with torch.no_grad():
    sym.weight.copy_(sw)
out["sym_orig"] = sw
P.register_parametrization(sym, "weight", Symmetric())
out["sym_weight"] = sym.weight.detach()

# batch norm's running statistics after two training batches
bn = nn.BatchNorm2d(3, momentum=0.3)
b1 = torch.randn(4, 3, 2, 2)
b2 = torch.randn(4, 3, 2, 2) * 2 + 1
out["bn_b1"], out["bn_b2"] = b1, b2
bn(b1)
bn(b2)
out["bn_running_mean"], out["bn_running_var"] = bn.running_mean, bn.running_var
out["bn_num_batches"] = bn.num_batches_tracked

# TransformerEncoder / TransformerEncoderLayer called with (src, mask, src_key_padding_mask); training mode, dropout 0,
# so that PyTorch's inference fast path (zeros at padded positions, which Ember does not take) stays out of it
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2, enable_nested_tensor=False)
for k, v in enc.state_dict().items():
    out["enc." + k] = v
src = torch.randn(2, 5, 8)
pad = torch.tensor([[False, False, False, True, True], [False] * 5])
out["enc_src"], out["enc_pad"] = src, pad
out["enc_out"] = enc(src, None, pad).detach()
out["enc_layer0_out"] = enc.layers[0](src, None, pad).detach()

# a Python list as a data set: DataLoader(list_of_samples, batch_size=2)
from torch.utils.data import DataLoader
samples = [(torch.full((2,), float(i)), i) for i in range(5)]
for b, (xs, ys) in enumerate(DataLoader(samples, batch_size=2)):
    out["list_batch%d_x" % b], out["list_batch%d_y" % b] = xs, ys

# a gradient penalty (WGAN-GP) with per-parameter gradient hooks: torch.autograd.grad(D(x).sum(), x) does not reach the
# parameters' AccumulateGrad nodes, so their hooks run only in the backward that follows (PyTorch's engine skips the
# functions an autograd.grad pass does not need; their hooks are not called, not even with None)
torch.manual_seed(21)
D = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
for k, v in D.state_dict().items():
    out["gp_D." + k] = v
gx = torch.randn(5, 3, requires_grad=True)
out["gp_x"] = gx.detach().clone()
hook_calls = []
for p_ in D.parameters():
    p_.register_hook(lambda g: (hook_calls.append(g is None), g.clamp(-0.5, 0.5))[1])
dout = D(gx)
g, = torch.autograd.grad(dout.sum(), gx, create_graph=True)
assert hook_calls == [], hook_calls
gp = ((g.norm(2, dim=1) - 1) ** 2).mean()
(dout.mean() + 10 * gp).backward()
assert hook_calls == [False] * 4, hook_calls
out["gp_value"] = gp.detach()
out["gp_w0_grad"] = D[0].weight.grad
out["gp_x_grad"] = gx.grad

torch.save(out, "outsider.pt")
