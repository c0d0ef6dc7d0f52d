"""Expected values for OutsiderPrograms13Test (session 37's outsider pass, round 13): Ember inside a Java service.
The Java test runs the programs on four Java threads at once and compares each thread's numbers bit for bit with the
same program run alone on one thread, and with these single-threaded PyTorch values (float32, as services run).
Written file: programs13.pt with
  serve.*  one model of each kind loaded from a state dict and served in eval: for each of 4 clients (threads) and
           3 requests, the request's input and the model's output
           cnn   Conv-BN-ReLU-MaxPool-Conv-BN-ReLU-AdaptiveAvgPool-Linear (random BatchNorm running statistics)
           lstm  Embedding -> LSTM(batch_first) -> Linear of the last step's output
           tf    TransformerEncoderLayer(batch_first, dropout 0) with a src_key_padding_mask -> Linear; computed with
                 grad enabled so that PyTorch takes its general path (the fast path's padded rows differ, README)
           pz    Linear with parametrizations.weight_norm (2.x's, registered by hand) -> Tanh -> Linear with parametrizations.spectral_norm (eval:
                 the stored u, v, no power iteration)
           dq    quantize_dynamic(Linear-ReLU-Linear) (qint8 weights, per-tensor, dynamic input quantization)
  train.*  an MLP Linear(64, 64)-Tanh-Linear(64, 1), SGD(lr 0.05, momentum 0.9) on 2048 rows (inputs by formula, see
           rows()), 6 steps: losses, parameters after each step ('train.step{k}.' + key, k = 0 is the initial state),
           and the eval outputs of each snapshot on each evaluator's 16 rows ('train.eval{j}.step{k}') and its
           mean-squared error over the 2048 training rows ('train.full.step{k}', under no_grad)
  loader.* a regression over a 40-row dataset fed by a DataLoader (batch 8, no shuffle): the losses of 2 epochs of Adam
           and the evaluator's mean-squared errors over an eval dataset after each epoch
Run with PyTorch 1.13 (CPU): /usr/bin/python3 make_expected.py
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrizations

torch.manual_seed(13)
torch.set_num_threads(1)
out = {}


def save_state(prefix, module):
    for k, v in module.state_dict().items():
        out[prefix + k] = v.clone()


def rows(n, d, phase):
    """Inputs by formula, so that the large tensors need not be stored: sin(0.37 i + 1.3 j + phase), float64 -> float32."""
    i = torch.arange(n, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(d, dtype=torch.float64).unsqueeze(0)
    return torch.sin(0.37 * i + 1.3 * j + phase).float()


CLIENTS, REQUESTS = 4, 3

# 1. serving ---------------------------------------------------------------------------------------------------------
cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                    nn.Flatten(), nn.Linear(16, 5))
for bn in (cnn[1], cnn[5]):
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.3, 0.3)
    bn.num_batches_tracked.fill_(100)
cnn.eval()
save_state('serve.cnn.state.', cnn)


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 12, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, tokens):
        y, _ = self.lstm(self.emb(tokens))
        return self.head(y[:, -1])


lstm = LstmClassifier().eval()
save_state('serve.lstm.state.', lstm)


class TfClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.TransformerEncoderLayer(16, 4, 32, 0.0, batch_first=True)
        self.head = nn.Linear(16, 4)

    def forward(self, x, pad):
        return self.head(self.enc(x, src_key_padding_mask=pad))


tf = TfClassifier().eval()
save_state('serve.tf.state.', tf)

class _WeightNorm(nn.Module):
    """PyTorch 2.x's torch.nn.utils.parametrizations._WeightNorm (1.13 has no parametrizations.weight_norm)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return torch.norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module):
    torch.nn.utils.parametrize.register_parametrization(module, 'weight', _WeightNorm(0), unsafe=True)
    return module


pz = nn.Sequential(weight_norm(nn.Linear(10, 16)), nn.Tanh(),
                   parametrizations.spectral_norm(nn.Linear(16, 4)))
pz.eval()
save_state('serve.pz.state.', pz)

dq_float = nn.Sequential(nn.Linear(12, 24), nn.ReLU(), nn.Linear(24, 6)).eval()
save_state('serve.dq.state.', dq_float)
dq = torch.quantization.quantize_dynamic(dq_float, {nn.Linear}, dtype=torch.qint8)

for c in range(CLIENTS):
    for r in range(REQUESTS):
        p = 'serve.c%d.r%d.' % (c, r)
        x = torch.randn(2, 3, 12, 12)
        out[p + 'cnn.in'] = x
        with torch.no_grad():
            out[p + 'cnn.out'] = cnn(x)
        tokens = torch.randint(0, 20, (2, 7))
        out[p + 'lstm.in'] = tokens
        with torch.inference_mode():
            out[p + 'lstm.out'] = lstm(tokens).clone()
        x = torch.randn(3, 6, 16)
        lengths = torch.tensor([6, 4, 2 + (c + r) % 4])
        pad = torch.arange(6).unsqueeze(0) >= lengths.unsqueeze(1)
        out[p + 'tf.in'] = x
        out[p + 'tf.pad'] = pad
        out[p + 'tf.out'] = tf(x, pad).detach()  # grad enabled: the general path
        x = torch.randn(5, 10)
        out[p + 'pz.in'] = x
        with torch.no_grad():
            out[p + 'pz.out'] = pz(x)
        x = torch.randn(4, 12)
        out[p + 'dq.in'] = x
        with torch.no_grad():
            out[p + 'dq.out'] = dq(x)

# 2. one thread trains while three evaluate their own copies ---------------------------------------------------------
mlp = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
save_state('train.step0.', mlp)
X = rows(2048, 64, 0.0)
Y = (X[:, :8].sum(1, keepdim=True) * 0.3).tanh()
EVALS = [rows(16, 64, 1.0 + j) for j in range(3)]
opt = torch.optim.SGD(mlp.parameters(), lr=0.05, momentum=0.9)


def evaluate(k):
    with torch.no_grad():
        for j, xe in enumerate(EVALS):
            out['train.eval%d.step%d' % (j, k)] = mlp(xe)
        out['train.full.step%d' % k] = F.mse_loss(mlp(X), Y)


evaluate(0)
losses = []
for k in range(1, 7):
    opt.zero_grad()
    loss = F.mse_loss(mlp(X), Y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
    save_state('train.step%d.' % k, mlp)
    evaluate(k)
out['train.losses'] = torch.tensor(losses, dtype=torch.float64)

# 3. a DataLoader feeding training while another feeds an evaluator ---------------------------------------------------
reg = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 1))
save_state('loader.init.', reg)
train_x = rows(40, 6, 0.5)
train_y = train_x.sum(1, keepdim=True).sin()
eval_x = rows(24, 6, 2.5)
eval_y = eval_x.sum(1, keepdim=True).sin()
train_dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=8)
eval_dl = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(eval_x, eval_y), batch_size=8)
adam = torch.optim.Adam(reg.parameters(), lr=0.01)
losses, evals = [], []
for epoch in range(2):
    for xb, yb in train_dl:
        adam.zero_grad()
        loss = F.mse_loss(reg(xb), yb)
        loss.backward()
        adam.step()
        losses.append(loss.item())
    with torch.no_grad():
        total = 0.0
        for xb, yb in eval_dl:
            total += F.mse_loss(reg(xb), yb, reduction='sum').item()
        evals.append(total / 24)
out['loader.losses'] = torch.tensor(losses, dtype=torch.float64)
out['loader.evals'] = torch.tensor(evals, dtype=torch.float64)
save_state('loader.final.', reg)

torch.save(out, 'programs13.pt')
