# Expected losses for RandomMt19937TrainingTest.java: a small training program in which every random number comes from
# PyTorch's CPU generator after one seed (the weights' default init, the data, the batches' randperm, dropout masks),
# run in float64 so that Ember's replay with Generator.Algorithm.MT19937 must follow the same trajectory.
#   run: cd engine-cpu/src/test/resources/mt19937training && /usr/bin/python3 make_expected.py > expected.txt
#   (PyTorch 1.13 CPU; the draws and the layers' init are 2.x's too, see ../mt19937/make_expected.py. The optimizers
#   here are SGD with momentum and Adam: 1.13's and 2.x's Adam update the same values up to rounding in float64.)
import torch
import torch.nn as nn
import torch.nn.functional as F


def program(opt_name):
    torch.manual_seed(2024)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Dropout(0.25), nn.Linear(16, 3)).double()
    x = torch.randn(64, 8, dtype=torch.float64)
    y = torch.randint(0, 3, (64,))
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for step in range(25):
        idx = torch.randperm(64)[:16]
        opt.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        final = F.cross_entropy(model(x), y).item()
    return losses, final


for name in ("sgd", "adam"):
    losses, final = program(name)
    print("=== " + name)
    for v in losses:
        print(float(v).hex())
    print("final " + float(final).hex())
